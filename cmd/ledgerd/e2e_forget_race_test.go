package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/nordledger/ledger/domain"
)

// TestE2EForgetRacesWrites: PATCHes, address replacements and creates of the same customer
// number run while the customer is forgotten. Every answer is true: a write answered 200 is
// in the log before the forget, at the version its ETag named; afterwards every write is 410,
// every create 409; no event follows the CustomerForgotten; no answer is a 5xx. The national
// identifier is free at once for a new customer; the number is not.
func TestE2EForgetRacesWrites(t *testing.T) {
	s := startServer(t)
	tok := s.token
	const no = "7740"
	c := newCustomer(no, "Rasmus Racesson")
	c["nationalIdentifier"] = map[string]any{"regNo": tolvan, "countryCode": "SE"}
	s.createCustomer(t, tok, c)

	const writers, rounds = 6, 25
	var wg sync.WaitGroup
	var mu sync.Mutex
	acked := map[uint64]string{} // version → what was answered 200 with it
	start := make(chan struct{})
	someAcked, once := make(chan struct{}), sync.Once{} // the forget goes once writes are under way

	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer once.Do(func() { close(someAcked) }) // (the forget goes in any case)
			<-start
			for i := range rounds {
				var r *response
				switch w % 3 {
				case 0:
					r = s.doAllowing5xx(t, http.MethodPatch, customersPath(demoLedger, no), tok, fmt.Sprintf(`{"emailAddress":"race%d.%d@example.org"}`, w, i))
				case 1:
					r = s.doAllowing5xx(t, http.MethodPut, customersPath(demoLedger, no, "legal-address"), tok, map[string]any{
						"addressee": "Rasmus Racesson", "streetAddress": fmt.Sprintf("Kapplöpningsvägen %d", w*100+i), "city": "RACESTAD", "zipCode": "12345", "countryCode": "SE"})
				default:
					r = s.doAllowing5xx(t, http.MethodPost, customersPath(demoLedger), tok, newCustomer(no, "Number Thief"))
					if r.Status != http.StatusConflict {
						t.Errorf("a create of the number: %s", r)
					}
					continue
				}
				switch r.Status {
				case http.StatusOK:
					v, err := strconv.ParseUint(strings.Trim(r.Header.Get("ETag"), `"W/`), 10, 64)
					if err != nil {
						t.Errorf("no version in the ETag of %s", r)
						continue
					}
					mu.Lock()
					acked[v] = r.Method
					if len(acked) >= writers {
						once.Do(func() { close(someAcked) })
					}
					mu.Unlock()
				case http.StatusGone:
				default:
					t.Errorf("a write racing the forget: %s", r)
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		<-someAcked
		r := s.doAllowing5xx(t, http.MethodPost, customersPath(demoLedger, no, "forget"), tok, nil)
		if r.Status != http.StatusNoContent {
			t.Errorf("the forget: %s", r)
		}
	}()
	close(start)
	wg.Wait()

	trail := s.do(t, http.MethodGet, customersPath(demoLedger, no, "events")+"?limit=1000", tok, nil)
	expectStatus(t, trail, http.StatusOK)
	var items struct {
		Items []struct {
			Version uint64 `json:"version"`
			Type    string `json:"type"`
		} `json:"items"`
	}
	if err := json.Unmarshal(trail.Body, &items); err != nil {
		t.Fatal(err)
	}
	if found := valuesIn(trail.Body, []string{"Rasmus Racesson", "Kapplöpningsvägen", "RACESTAD", "@example.org"}); len(found) > 0 {
		t.Errorf("the forgotten customer's trail shows %q", found)
	}
	last := items.Items[len(items.Items)-1]
	if last.Type != domain.TypeCustomerForgotten {
		t.Fatalf("the stream's last event is %s, want CustomerForgotten", last.Type)
	}
	forgetAt := last.Version
	for _, it := range items.Items[:len(items.Items)-1] {
		if it.Type == domain.TypeCustomerForgotten {
			t.Errorf("two forgets: version %d", it.Version)
		}
	}
	for v, what := range acked {
		if v >= forgetAt {
			t.Errorf("a %s was answered 200 at version %d, the forget is version %d", what, v, forgetAt)
		}
	}
	t.Logf("%d writes before the forget (version %d)", len(acked), forgetAt)
	again := newCustomer("7741", "Someone Else")
	again["nationalIdentifier"] = map[string]any{"regNo": tolvan, "countryCode": "SE"}
	expectStatus(t, s.do(t, http.MethodPost, customersPath(demoLedger), tok, again), http.StatusCreated)
	assertProblem(t, s.do(t, http.MethodPost, customersPath(demoLedger), tok, newCustomer(no, "Number Reuse")), http.StatusConflict, "conflict")
}
