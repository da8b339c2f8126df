package personal_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/google/uuid"
	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/eventstore/personal"
)

// TestLookupResultSealed: a matched look-up's result is sealed with the customer's data key —
// "found" and "withheld" stored alike, to the byte length — and erased with the customer; an
// unmatched look-up is stored as it is.
func TestLookupResultSealed(t *testing.T) {
	keys := openStore(t, "", ring(t, masterA))
	p := personal.NewProtector(keys)
	stream := domain.LookupStreamName("1000", "5001")
	seal := func(result string) (eventstore.Event, []byte) {
		e := domain.CustomerDetailsLookedUp{MerchantID: "1000", PaymentProductID: "9000", CountryCode: "SE",
			Keys: []string{"fiscalNumber"}, CustomerNo: "5001", Result: result}
		typ, _, data, err := domain.EncodeEvent(e)
		if err != nil {
			t.Fatal(err)
		}
		ev := eventstore.Event{ID: uuid.New(), Stream: stream, Type: typ, SchemaVersion: 1}
		if ev.Data, err = p.SealEvent(ctx, stream, ev.ID, typ, data); err != nil {
			t.Fatal(err)
		}
		return ev, data
	}
	found, foundPlain := seal(domain.LookupFound)
	withheld, withheldPlain := seal(domain.LookupWithheld)
	for _, e := range []eventstore.Event{found, withheld} {
		var top map[string]json.RawMessage
		if err := json.Unmarshal(e.Data, &top); err != nil || top["result"] != nil || !personal.IsSealed(e.Data) {
			t.Errorf("stored %s", e.Data)
		}
	}
	if len(found.Data) != len(withheld.Data) {
		t.Errorf("found and withheld are stored in %d and %d bytes:\n%s\n%s", len(found.Data), len(withheld.Data), found.Data, withheld.Data)
	}
	if _, err := keys.DataKey(ctx, domain.StreamName("1000", "5001"), false); err != nil {
		t.Errorf("the result is not sealed with the customer's key: %v", err)
	}
	for e, plain := range map[*eventstore.Event][]byte{&found: foundPlain, &withheld: withheldPlain} {
		ev, _, err := p.Decode(ctx, *e)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := domain.DecodeEvent(e.Type, 1, plain)
		if ev.(domain.CustomerDetailsLookedUp).Result != want.(domain.CustomerDetailsLookedUp).Result {
			t.Errorf("opens to %+v, want %+v", ev, want)
		}
	}

	// A look-up that matched nobody holds nothing personal: stored as it is, no key made.
	unmatched := domain.LookupStreamName("1000", "")
	_, _, data, _ := domain.EncodeEvent(domain.CustomerDetailsLookedUp{MerchantID: "1000", PaymentProductID: "9000",
		CountryCode: "SE", Keys: []string{"fiscalNumber"}, Result: domain.LookupNotFound})
	if stored, err := p.SealEvent(ctx, unmatched, uuid.New(), domain.TypeCustomerDetailsLookedUp, data); err != nil || !bytes.Equal(stored, data) {
		t.Errorf("unmatched look-up stored as %s (%v)", stored, err)
	}

	// Forgotten: the result is erased.
	if err := keys.Destroy(ctx, domain.StreamName("1000", "5001")); err != nil {
		t.Fatal(err)
	}
	opened, err := p.OpenEvent(ctx, withheld)
	if err != nil || len(opened.Erased) != 1 || opened.Erased[0] != "result" || bytes.Contains(opened.Data, []byte("withheld")) {
		t.Errorf("after the forget: %s %v (%v)", opened.Data, opened.Erased, err)
	}
	var o map[string]any
	if err := json.Unmarshal(opened.Data, &o); err != nil || o["customerNo"] != "5001" {
		t.Errorf("after the forget the clear members are %s", opened.Data)
	}
}
