package apidocs_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/httpapi/apidocs"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// asyncDoc is the parts of the AsyncAPI document the tests read.
type asyncDoc struct {
	AsyncAPI string `json:"asyncapi"`
	Channels map[string]struct {
		Address    string `json:"address"`
		Parameters map[string]struct {
			Enum []string `json:"enum"`
		} `json:"parameters"`
		Messages map[string]struct {
			Ref string `json:"$ref"`
		} `json:"messages"`
	} `json:"channels"`
	Components struct {
		Messages map[string]struct {
			Name    string `json:"name"`
			Payload struct {
				Ref string `json:"$ref"`
			} `json:"payload"`
		} `json:"messages"`
	} `json:"components"`
}

func loadAsyncAPI(t *testing.T) ([]byte, asyncDoc) {
	t.Helper()
	b, err := apidocs.AsyncAPI()
	if err != nil {
		t.Fatal(err)
	}
	var d asyncDoc
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	return b, d
}

// TestAsyncAPIEventSchemas: every event type of the domain has a message in the AsyncAPI
// document, reachable from a channel, whose payload schema its golden JSON (and every golden
// variant of it) validates against — and the schemas are strict enough to reject a changed
// payload. The payload schemas are validated with santhosh-tekuri/jsonschema (draft-07, the
// dialect AsyncAPI's default schema format builds on), compiled in place inside the document so
// that their $refs resolve as a reader of the document resolves them.
func TestAsyncAPIEventSchemas(t *testing.T) {
	raw, d := loadAsyncAPI(t)
	if d.AsyncAPI != "3.0.0" {
		t.Errorf("asyncapi = %q, want 3.0.0", d.AsyncAPI)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft7)
	c.AssertFormat()
	const url = "https://nordledger.invalid/asyncapi.json"
	if err := c.AddResource(url, doc); err != nil {
		t.Fatal(err)
	}
	inChannel := map[string]bool{}
	for _, ch := range d.Channels {
		for name, m := range ch.Messages {
			if m.Ref != "#/components/messages/"+name {
				t.Errorf("channel %s: message %s refers to %q", ch.Address, name, m.Ref)
			}
			inChannel[name] = true
		}
	}
	for _, typ := range domain.EventTypes() {
		msg, ok := d.Components.Messages[typ]
		if !ok {
			t.Errorf("%s: no message in the AsyncAPI document (components.messages.%s)", typ, typ)
			continue
		}
		if !inChannel[typ] {
			t.Errorf("%s: no channel carries the message", typ)
		}
		if msg.Name != typ {
			t.Errorf("%s: message name %q", typ, msg.Name)
		}
		schema, err := c.Compile(url + msg.Payload.Ref)
		if err != nil {
			t.Errorf("%s: payload schema %s: %v", typ, msg.Payload.Ref, err)
			continue
		}
		goldens, _ := filepath.Glob(filepath.Join("..", "..", "domain", "testdata", "golden", "variants", typ+".*.json"))
		goldens = append([]string{filepath.Join("..", "..", "domain", "testdata", "golden", typ+".json")}, goldens...)
		for _, path := range goldens {
			b, err := os.ReadFile(path)
			if err != nil {
				t.Errorf("%s: %v", typ, err)
				continue
			}
			v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			if err := schema.Validate(v); err != nil {
				t.Errorf("%s: the golden JSON does not validate against %s:\n%v", filepath.Base(path), msg.Payload.Ref, err)
			}
			// Not vacuous: an unknown property is refused.
			if m, ok := v.(map[string]any); ok {
				m["notAProperty"] = true
				if schema.Validate(m) == nil {
					t.Errorf("%s: the payload schema accepts an unknown property", filepath.Base(path))
				}
			}
		}
	}
	// The customer channel's eventType parameter lists exactly the types it carries.
	for id, ch := range d.Channels {
		if p, ok := ch.Parameters["eventType"]; ok {
			var carried []string
			for name := range ch.Messages {
				carried = append(carried, name)
			}
			slices.Sort(carried)
			enum := slices.Sorted(slices.Values(p.Enum))
			if !slices.Equal(carried, enum) {
				t.Errorf("channel %s: eventType enum %v, messages %v", id, enum, carried)
			}
			if !strings.HasPrefix(ch.Address, "ledger.customer.v1.") {
				t.Errorf("channel %s: address %q", id, ch.Address)
			}
		}
	}
}
