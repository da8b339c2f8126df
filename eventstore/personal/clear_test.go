package personal_test

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/nordledger/ledger/eventstore/personal"
)

// TestClearMembers: the clear members of every golden event, sealed, are what opening it gives
// once the customer is forgotten — the same bytes, the same list of personal members — and data
// without a sealed member comes back as it is.
func TestClearMembers(t *testing.T) {
	for typ, events := range goldenFiles(t) {
		for _, data := range events {
			keys := openStore(t, "", ring(t, masterA))
			p := personal.NewProtector(keys)
			e := seal(t, p, typ, data)
			clear, paths, sealed, err := personal.ClearMembers(e.Data)
			if err != nil {
				t.Fatalf("%s: %v", typ, err)
			}
			if !sealed {
				if !bytes.Equal(clear, e.Data) || paths != nil {
					t.Errorf("%s: data without personal members changed: %s", typ, clear)
				}
				continue
			}
			if err := keys.Destroy(ctx, stream); err != nil {
				t.Fatal(err)
			}
			erased, err := p.OpenEvent(ctx, e)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(clear, erased.Data) || !reflect.DeepEqual(paths, erased.Erased) {
				t.Errorf("%s: ClearMembers = %s %v, the erased event opens as %s %v", typ, clear, paths, erased.Data, erased.Erased)
			}
		}
	}
	if _, _, _, err := personal.ClearMembers([]byte(`{"$pd":{"v":2,"f":[],"c":""}}`)); err == nil {
		t.Error("an unknown sealed format is not refused")
	}
}
