package consumer_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore/consumer"
)

// TestOpenerDropsProtected: when the ledger answers an event of a customer withheld because its
// identity is protected (now), the Opener stops opening the customer's events with the answers it
// kept from before: they are dropped at once, as for a forget, and the next Open asks again — a
// consumer that must no longer hold the customer's personal data does not get it from its own
// cache for up to maxAge.
func TestOpenerDropsProtected(t *testing.T) {
	l := newLedger(t)
	l.add(t, "1001", customer("1001", "Anna Andersson")...)
	p := l.add(t, "1001", domain.LegalAddressReplaced{Address: domain.Address{Addressee: "Anna Andersson", City: "KIRUNA", ZipCode: "98130", CountryCode: "SE"}, Source: domain.SourceAPI})
	all := l.logged(t, 1)

	var mu sync.Mutex
	protected, asked := false, 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct{ Positions []uint64 }
		json.NewDecoder(r.Body).Decode(&req)
		mu.Lock()
		defer mu.Unlock()
		asked++
		var items []map[string]any
		for _, pos := range req.Positions {
			e := all[pos-1]
			it := map[string]any{"position": pos, "id": e.ID.String(), "subject": e.Subject, "type": e.Type, "data": json.RawMessage(e.Data)}
			if protected {
				it["status"], it["withheld"], it["reason"] = "withheld", e.PersonalMembers, "protected-identity"
			} else {
				it["status"], it["data"] = "opened", json.RawMessage(`{"customerNo":"1001","name":"Anna Andersson","protectedIdentity":false,"legalStatus":"active","legalAddress":{"addressee":"Anna Andersson","city":"STOCKHOLM","zipCode":"11122","countryCode":"SE"},"source":"api"}`)
				if e.Type != domain.TypeCustomerCreated {
					it["data"] = json.RawMessage(`{"address":{"addressee":"Anna Andersson","city":"UPPSALA","zipCode":"75320","countryCode":"SE"},"source":"api"}`)
				}
			}
			items = append(items, it)
		}
		json.NewEncoder(w).Encode(map[string]any{"items": items, "maxAge": 300})
	}))
	defer srv.Close()
	o, err := consumer.NewOpener(consumer.OpenerConfig{URL: srv.URL, Token: consumer.StaticToken("crm")})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if es := l.logged(t, 1)[:2]; o.Open(ctx, es...) != nil || es[0].Personal != consumer.PersonalOpened || es[1].Personal != consumer.PersonalOpened {
		t.Fatalf("before: %v", states(es))
	}

	mu.Lock()
	protected = true // the customer's identity is protected from now on
	mu.Unlock()
	es := l.logged(t, p)
	if err := o.Open(ctx, es...); err != nil || es[0].Personal != consumer.PersonalWithheld || !errors.Is(es[0].Withheld, consumer.ErrProtectedIdentity) {
		t.Fatalf("the event after the protection: %s %v %v", es[0].Personal, es[0].Withheld, err)
	}
	es = l.logged(t, 1)[:2]
	if err := o.Open(ctx, es...); err != nil {
		t.Fatal(err)
	}
	if es[0].Personal != consumer.PersonalWithheld || es[1].Personal != consumer.PersonalWithheld || asked != 3 {
		t.Errorf("the customer's earlier events, within maxAge of their answers: %v after %d requests — want withheld, asked again", states(es), asked)
	}
}
