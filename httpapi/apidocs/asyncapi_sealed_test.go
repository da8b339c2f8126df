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
	"github.com/nordledger/ledger/httpapi/apidocs/asyncapitest"
)

// TestAsyncAPIWireAndOpened: every golden event validates, opened, against its message's opened
// schema (x-opened-payload) and, sealed as it is stored and published (domain/testdata/golden/
// sealed), against its message's payload — the wire — with an independent JSON Schema validator.
// The schemas tell the two apart: a sealed event is not an opened one, and a wire payload with a
// personal member in the clear next to $pd is refused. x-personal-members is the domain's
// classification.
func TestAsyncAPIWireAndOpened(t *testing.T) {
	s := asyncapitest.Load(t)
	for _, typ := range domain.EventTypes() {
		want, _ := domain.PersonalFields(typ)
		if got := s.PersonalMembers(typ); !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
			t.Errorf("%s: x-personal-members %v, domain.PersonalFields %v", typ, got, want)
		}
	}
	dir := filepath.Join("..", "..", "domain", "testdata", "golden")
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	variants, _ := filepath.Glob(filepath.Join(dir, "variants", "*.json"))
	sealedTypes := map[string]bool{}
	for _, path := range append(files, variants...) {
		name := filepath.Base(path)
		typ, _, _ := strings.Cut(strings.TrimSuffix(name, ".json"), ".")
		opened, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		sealed, err := os.ReadFile(filepath.Join(dir, "sealed", name))
		if err != nil {
			t.Fatalf("%s: no sealed golden file: %v", name, err)
		}
		if err := s.ValidateOpened(typ, opened); err != nil {
			t.Errorf("%s: the golden event does not validate against its opened schema:\n%v", name, err)
		}
		if err := s.ValidateWire(typ, opened); err != nil {
			t.Errorf("%s: the golden event, as stored before sealing, does not validate against the wire:\n%v", name, err)
		}
		if err := s.ValidateWire(typ, sealed); err != nil {
			t.Errorf("%s: the sealed golden event does not validate against the wire:\n%v", name, err)
		}
		if !bytes.Contains(sealed, []byte(`"$pd"`)) {
			continue
		}
		sealedTypes[typ] = true
		if s.ValidateOpened(typ, sealed) == nil {
			t.Errorf("%s: the opened schema accepts the sealed event", name)
		}
		for _, member := range s.PersonalMembers(typ) {
			if strings.Contains(member, ".") {
				continue
			}
			var m map[string]any
			json.Unmarshal(sealed, &m)
			m[member] = "in the clear"
			leaky, _ := json.Marshal(m)
			if s.ValidateWire(typ, leaky) == nil {
				t.Errorf("%s: the wire accepts %s in the clear next to $pd", name, member)
			}
		}
	}
	for _, typ := range domain.EventTypes() {
		if fields, _ := domain.PersonalFields(typ); len(fields) > 0 && !sealedTypes[typ] {
			t.Errorf("%s has personal members, but no sealed golden event holds $pd", typ)
		}
	}
}
