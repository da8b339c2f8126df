// Package asyncapitest compiles the event schemas of the AsyncAPI document (httpapi/apidocs) for
// tests, with an independent JSON Schema validator (santhosh-tekuri/jsonschema, draft-07): the
// wire form of each message — its payload, the event as published, personal members sealed in
// $pd — and its opened form (x-opened-payload).
package asyncapitest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/nordledger/ledger/httpapi/apidocs"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Schemas are the compiled schemas of every message, by event type.
type Schemas struct {
	wire, opened map[string]*jsonschema.Schema
	personal     map[string][]string
	headers      *jsonschema.Schema // the message trait's headers (CloudEventHeaders)
}

type message struct {
	Name     string            `json:"name"`
	Payload  map[string]string `json:"payload"`
	Opened   map[string]string `json:"x-opened-payload"`
	Personal []string          `json:"x-personal-members"`
}

// Load compiles the schemas of every message of the document. The schemas are compiled in place
// inside the document, so their $refs resolve as a reader of the document resolves them.
func Load(t testing.TB) *Schemas {
	t.Helper()
	raw, err := apidocs.AsyncAPI()
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Components struct {
			Messages map[string]message `json:"messages"`
		} `json:"components"`
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatal(err)
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
	s := &Schemas{wire: map[string]*jsonschema.Schema{}, opened: map[string]*jsonschema.Schema{}, personal: map[string][]string{}}
	for typ, m := range d.Components.Messages {
		if s.wire[typ], err = c.Compile(url + m.Payload["$ref"]); err != nil {
			t.Fatalf("%s: payload %s: %v", typ, m.Payload["$ref"], err)
		}
		if s.opened[typ], err = c.Compile(url + m.Opened["$ref"]); err != nil {
			t.Fatalf("%s: x-opened-payload %s: %v", typ, m.Opened["$ref"], err)
		}
		s.personal[typ] = m.Personal
	}
	if s.headers, err = c.Compile(url + "#/components/schemas/CloudEventHeaders"); err != nil {
		t.Fatalf("CloudEventHeaders: %v", err)
	}
	return s
}

// Has reports whether the document has a message of the type.
func (s *Schemas) Has(typ string) bool { _, ok := s.wire[typ]; return ok }

// PersonalMembers returns the message's x-personal-members.
func (s *Schemas) PersonalMembers(typ string) []string { return s.personal[typ] }

// ValidateWire validates an event's data as published (its message's payload schema).
func (s *Schemas) ValidateWire(typ string, data []byte) error { return validate(s.wire, typ, data) }

// ValidateOpened validates an event's data opened (its message's x-opened-payload schema).
func (s *Schemas) ValidateOpened(typ string, data []byte) error { return validate(s.opened, typ, data) }

// ValidateHeaders validates a message's NATS headers (each name's first value, as sent) against
// the headers of the document's CloudEvent message trait.
func (s *Schemas) ValidateHeaders(h map[string][]string) error {
	o := make(map[string]any, len(h))
	for k, vs := range h {
		if len(vs) > 0 {
			o[k] = vs[0]
		}
	}
	return s.headers.Validate(o)
}

func validate(schemas map[string]*jsonschema.Schema, typ string, data []byte) error {
	sch, ok := schemas[typ]
	if !ok {
		return fmt.Errorf("no message %s in the AsyncAPI document", typ)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return err
	}
	return sch.Validate(v)
}
