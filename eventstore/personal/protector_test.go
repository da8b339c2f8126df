package personal_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/eventstore/personal"
)

const stream = "1000/customers/9999"

var ctx = context.Background()

func event(typ string, data []byte) eventstore.Event {
	return eventstore.Event{ID: uuid.MustParse("0198c3a2-7b1e-7c3d-9f00-5a1b2c3d4e5f"), Stream: stream, Version: 1, Position: 1,
		Type: typ, SchemaVersion: 1, Time: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Data: data}
}

func seal(t *testing.T, p *personal.Protector, typ string, data []byte) eventstore.Event {
	t.Helper()
	e := event(typ, nil)
	sealed, err := p.SealEvent(ctx, e.Stream, e.ID, typ, data)
	if err != nil {
		t.Fatalf("%s: seal: %v", typ, err)
	}
	e.Data = sealed
	return e
}

// personalValues returns the string leaves of the personal members of an event's JSON (the
// values a raw search must never find in sealed data) and whether any personal member is set.
func personalValues(t *testing.T, typ string, data []byte) (values []string, found bool) {
	t.Helper()
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	paths, _ := domain.PersonalFields(typ)
	for _, p := range paths {
		for _, m := range match(v, strings.Split(p, ".")) {
			found = true
			values = append(values, leaves(m)...)
		}
	}
	return values, found
}

func match(v any, segs []string) []any {
	if len(segs) == 0 {
		if v == nil {
			return nil
		}
		return []any{v}
	}
	var out []any
	switch x := v.(type) {
	case map[string]any:
		if segs[0] != "*" {
			out = append(out, match(x[segs[0]], segs[1:])...)
		}
	case []any:
		if segs[0] == "*" {
			for _, el := range x {
				out = append(out, match(el, segs[1:])...)
			}
		}
	}
	return out
}

func leaves(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case map[string]any:
		var out []string
		for _, el := range x {
			out = append(out, leaves(el)...)
		}
		return out
	case []any:
		var out []string
		for _, el := range x {
			out = append(out, leaves(el)...)
		}
		return out
	}
	return nil
}

// sameJSON reports whether two JSON documents are equal as values.
func sameJSON(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatal(err)
	}
	return reflect.DeepEqual(x, y)
}

// TestSealEveryGoldenEvent seals the golden JSON of every event type in every shape: no personal
// value is left in the stored bytes, every clear member is, opening gives the event back, and
// decoding it gives the domain's event.
func TestSealEveryGoldenEvent(t *testing.T) {
	p := personal.NewProtector(openStore(t, "", ring(t, masterA)))
	golden := goldenFiles(t)
	for _, typ := range domain.EventTypes() {
		if len(golden[typ]) == 0 {
			t.Errorf("%s: no golden file", typ)
		}
		for _, data := range golden[typ] {
			values, hasPersonal := personalValues(t, typ, data)
			e := seal(t, p, typ, data)
			if !hasPersonal {
				if !bytes.Equal(e.Data, data) {
					t.Errorf("%s without personal members changed: %s", typ, e.Data)
				}
				continue
			}
			clear := withoutSealed(t, e.Data) // the ciphertext's base64 may hold any short value by chance
			for _, v := range values {
				if len(v) >= 3 && bytes.Contains(clear, []byte(v)) {
					t.Errorf("%s: personal value %q is in the stored data %s", typ, v, e.Data)
				}
			}
			if !bytes.Contains(e.Data, []byte(`"`+personal.SealedMember+`"`)) {
				t.Errorf("%s: no %s in %s", typ, personal.SealedMember, e.Data)
			}
			opened, err := p.OpenEvent(ctx, e)
			if err != nil || !opened.Sealed || len(opened.Erased) != 0 {
				t.Fatalf("%s: open: %+v %v", typ, opened, err)
			}
			if !sameJSON(t, opened.Data, data) {
				t.Errorf("%s: opened %s, want %s", typ, opened.Data, data)
			}
			got, _, err := p.Decode(ctx, e)
			want, _ := domain.DecodeEvent(typ, 1, data)
			if err != nil || !reflect.DeepEqual(got, want) {
				t.Errorf("%s: decoded %#v %v, want %#v", typ, got, err, want)
			}
			// The same event seals to the same bytes (the nonce is synthetic).
			if again := seal(t, p, typ, data); !bytes.Equal(again.Data, e.Data) {
				t.Errorf("%s: sealing is not deterministic", typ)
			}
		}
	}
}

// withoutSealed returns stored event data without its sealed members (at any depth): what is
// stored in the clear.
func withoutSealed(t *testing.T, data []byte) []byte {
	t.Helper()
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("stored data %s: %v", data, err)
	}
	var drop func(v any)
	drop = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			delete(v, personal.SealedMember)
			for _, m := range v {
				drop(m)
			}
		case []any:
			for _, m := range v {
				drop(m)
			}
		}
	}
	drop(v)
	out, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestClassifiedPathsExist: every classified path names a member that a golden event has, so a
// misspelt path (which would leave the real member in the clear) fails here.
func TestClassifiedPathsExist(t *testing.T) {
	golden := goldenFiles(t)
	for _, typ := range domain.ClassifiedEventTypes() {
		paths, _ := domain.PersonalFields(typ)
		for _, path := range paths {
			found := false
			for _, data := range golden[typ] {
				var v any
				_ = json.Unmarshal(data, &v)
				found = found || len(match(v, strings.Split(path, "."))) > 0
			}
			if !found {
				t.Errorf("%s: no golden event has a member at %q (misspelt?)", typ, path)
			}
		}
	}
}

func TestSealRefusesUnclassified(t *testing.T) {
	p := personal.NewProtector(openStore(t, "", ring(t, masterA)))
	_, err := p.SealEvent(ctx, stream, uuid.New(), "RecurringCardConsentRegistered", []byte(`{"cardToken":"x"}`))
	if !errors.Is(err, personal.ErrUnclassified) {
		t.Fatalf("got %v, want ErrUnclassified", err)
	}
}

// TestOpenLegacyEvent: an event stored before sealing existed (personal members in the clear)
// opens unchanged — both forms are read.
func TestOpenLegacyEvent(t *testing.T) {
	p := personal.NewProtector(openStore(t, "", ring(t, masterA)))
	for typ, files := range goldenFiles(t) {
		for _, data := range files {
			e := event(typ, data)
			opened, err := p.OpenEvent(ctx, e)
			if err != nil || opened.Sealed || !bytes.Equal(opened.Data, data) {
				t.Fatalf("%s: %+v %v", typ, opened, err)
			}
			if _, hasPersonal := personalValues(t, typ, data); personal.HasPlainPersonalData(typ, data) != hasPersonal {
				t.Errorf("%s: HasPlainPersonalData = %v", typ, !hasPersonal)
			}
			if sealed := seal(t, p, typ, data); personal.HasPlainPersonalData(typ, sealed.Data) {
				t.Errorf("%s: sealed data reported plain", typ)
			}
		}
	}
}

// TestForgottenEventsAreErased: once the key is destroyed, a sealed event opens with its clear
// members only and says which members are erased; a state sealed with the key cannot be opened.
func TestForgottenEventsAreErased(t *testing.T) {
	keys := openStore(t, "", ring(t, masterA))
	p := personal.NewProtector(keys)
	data := goldenFiles(t)[domain.TypeCustomerCreated][0]
	e := seal(t, p, domain.TypeCustomerCreated, data)
	state, err := p.SealState(ctx, stream, []byte(`{"Name":"Britt-Marie Axelstopp"}`))
	if err != nil || !personal.IsSealedState(state) || bytes.Contains(state, []byte("Britt")) {
		t.Fatalf("sealed state %q %v", state, err)
	}
	if plain, err := p.OpenState(ctx, stream, state); err != nil || string(plain) != `{"Name":"Britt-Marie Axelstopp"}` {
		t.Fatalf("open state: %s %v", plain, err)
	}
	if err := keys.Destroy(ctx, stream); err != nil {
		t.Fatal(err)
	}
	opened, err := p.OpenEvent(ctx, e)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"eDIAddressInfo", "emailAddress", "legalAddress", "msisdn", "name", "nationalIdentifier", "protectedIdentity", "taxIdentificationNumber", "vatNo"}
	if !slices.Equal(opened.Erased, want) {
		t.Errorf("erased %v, want %v", opened.Erased, want)
	}
	if !sameJSON(t, opened.Data, []byte(`{"customerNo":"9999","legalEntity":"consumer","preferredLanguageCode":"SV","legalStatus":"active","distributionType":"postal","source":"api"}`)) {
		t.Errorf("clear members %s", opened.Data)
	}
	if ev, o, err := p.Decode(ctx, e); ev != nil || err != nil || len(o.Erased) == 0 {
		t.Errorf("Decode of an erased event: %v %+v %v", ev, o, err)
	}
	if _, err := p.OpenState(ctx, stream, state); !errors.Is(err, personal.ErrKeyDestroyed) {
		t.Errorf("open state after destroy: %v", err)
	}
	// No new key is ever made for a forgotten customer.
	if _, err := p.SealEvent(ctx, stream, uuid.New(), domain.TypeCustomerCreated, data); !errors.Is(err, personal.ErrKeyDestroyed) {
		t.Errorf("seal after destroy: %v", err)
	}
	// An event without personal members opens as before.
	plain := event(domain.TypeSurplusSettled, []byte(`{"surplusId":"1","amount":{"amount":"1.00","currency":"SEK"}}`))
	if o, err := p.OpenEvent(ctx, plain); err != nil || len(o.Erased) != 0 || !bytes.Equal(o.Data, plain.Data) {
		t.Errorf("plain event after destroy: %+v %v", o, err)
	}
}

// TestSealedDataIsBound: sealed members moved to another event, customer or type do not open.
func TestSealedDataIsBound(t *testing.T) {
	keys := openStore(t, "", ring(t, masterA))
	p := personal.NewProtector(keys)
	data := goldenFiles(t)[domain.TypeLegalAddressReplaced][0]
	e := seal(t, p, domain.TypeLegalAddressReplaced, data)
	for name, moved := range map[string]func(eventstore.Event) eventstore.Event{
		"other id":   func(e eventstore.Event) eventstore.Event { e.ID = uuid.New(); return e },
		"other type": func(e eventstore.Event) eventstore.Event { e.Type = domain.TypeBillingAddressAdded; return e },
	} {
		if _, err := p.OpenEvent(ctx, moved(e)); err == nil {
			t.Errorf("%s: opened", name)
		}
	}
	// Another customer has another key (made when it seals first).
	other := e
	other.Stream = "1000/customers/1"
	if _, err := p.SealEvent(ctx, other.Stream, uuid.New(), domain.TypeLegalAddressReplaced, data); err != nil {
		t.Fatal(err)
	}
	if _, err := p.OpenEvent(ctx, other); err == nil {
		t.Error("opened with another customer's key")
	}
	// A sealed event of a customer the key store does not know is an error, not an erasure.
	unknown := e
	unknown.Stream = "1000/customers/2"
	if _, err := p.OpenEvent(ctx, unknown); !errors.Is(err, personal.ErrNoKey) {
		t.Errorf("unknown customer: %v", err)
	}
}
