package personal_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore/personal"
)

// FuzzSealOpen: any JSON object sealed as any event type opens to an equal document, and no
// stored data — however malformed its sealed member — panics the opener.
func FuzzSealOpen(f *testing.F) {
	for typ, files := range goldenFiles(f) {
		for _, data := range files {
			f.Add(typ, data)
		}
	}
	f.Add(domain.TypeKycAnswersUpdated, []byte(`{"answers":[{"answerCode":null},7,{"answerText":{"x":[1]}}]}`))
	f.Add(domain.TypeCustomerDetailsChanged, []byte(`{"set":[1,2],"$pd":{"v":1,"f":["x"],"c":"AAAA"}}`))
	f.Add(domain.TypeCustomerCreated, []byte(`{"$pd":{"v":1,"f":[],"c":""}}`))
	p := personal.NewProtector(openStore(f, "", ring(f, masterA)))
	f.Fuzz(func(t *testing.T, typ string, data []byte) {
		e := event(typ, data)
		_, _ = p.OpenEvent(ctx, e) // never panics
		var doc map[string]any
		if json.Unmarshal(data, &doc) != nil || doc == nil {
			return
		}
		sealed, err := p.SealEvent(ctx, e.Stream, e.ID, typ, data)
		if err != nil {
			return // unclassified type, or sealed already
		}
		e.Data = sealed
		opened, err := p.OpenEvent(ctx, e)
		if err != nil {
			t.Fatalf("%s %s: sealed to %s, which does not open: %v", typ, data, sealed, err)
		}
		var got, want any
		json.Unmarshal(opened.Data, &got)
		json.Unmarshal(data, &want)
		if !reflect.DeepEqual(got, want) && !bytes.Equal(opened.Data, data) {
			t.Fatalf("%s: %s sealed and opened is %s", typ, data, opened.Data)
		}
	})
}
