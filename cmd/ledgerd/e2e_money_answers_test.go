package main

import (
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
)

// TestE2EMoneyAnswersNeverAheadOfReads sends, round after round, the same money write from four
// clients at the same moment, each client reading the surplus right after its answer (as
// TestE2EAnswersNeverAheadOfReads does for customers):
//   - registrations of one surplusId, spelled in four cases: one 201, three 409; no read 404;
//   - identical settlements: one 200, three 409; every read shows the settlement;
//   - confirmations with the If-Match all four read before: one 200, three 412, each read at a
//     version above the one sent, the balance reduced once;
//   - disbursement orders: one 201, three 409; every read lists the one order;
//   - completions of that order: one 204, three 404; every read answers 404.
//
// Exactly one event is stored per round and step.
func TestE2EMoneyAnswersNeverAheadOfReads(t *testing.T) {
	s := startServer(t)
	const no, clients, rounds = "8701", 4, 8
	s.createCustomer(t, s.token, newCustomer(no, "Raced Money"))
	p := customersPath(demoLedger, no, "surpluses")
	for round := range rounds {
		id := fmt.Sprintf("Race%d", round)
		cases := []string{id, strings.ToLower(id), strings.ToUpper(id), "rACE" + id[4:]}
		var wins atomic.Int32
		// step runs one write from every client at once and checks each answer and the read
		// right after it.
		step := func(name string, write func(c int) *response, won, lost int, check func(c int, w, r *response)) {
			t.Helper()
			wins.Store(0)
			together(clients, func(c int) {
				w := write(c)
				switch w.Status {
				case won:
					wins.Add(1)
				case lost:
				default:
					t.Errorf("round %d client %d %s: %s", round, c, name, w)
					return
				}
				check(c, w, s.do(t, http.MethodGet, p+"/"+id, s.token, nil))
			})
			if n := wins.Load(); n != 1 {
				t.Errorf("round %d %s: %d clients got %d, want 1", round, name, n, won)
			}
		}
		step("register", func(c int) *response {
			return s.do(t, http.MethodPost, p, s.token, fmt.Sprintf(`{"surplusId":%q,"balance":10.00,"currency":"SEK"}`, cases[c]))
		}, http.StatusCreated, http.StatusConflict, func(c int, w, r *response) {
			if r.Status != http.StatusOK || etagVersion(r) < etagVersion(w) {
				t.Errorf("round %d client %d: register answered %d (v%d), the next read %s", round, c, w.Status, etagVersion(w), r)
			}
		})
		step("settle", func(c int) *response {
			return s.do(t, http.MethodPost, p+"/"+cases[c]+"/settle", s.token, `{"amount":4.00}`)
		}, http.StatusOK, http.StatusConflict, func(c int, w, r *response) {
			if r.Status != http.StatusOK || !strings.Contains(string(r.Body), `"status":"pending-regulate"`) || etagVersion(r) < etagVersion(w) {
				t.Errorf("round %d client %d: settle answered %d (v%d), the next read %s", round, c, w.Status, etagVersion(w), r)
			}
		})
		seen := s.do(t, http.MethodGet, p+"/"+id, s.token, nil)
		tag := seen.Header.Get("ETag")
		step("confirm", func(c int) *response {
			return s.do(t, http.MethodPost, p+"/"+cases[c]+"/confirm-regulation", s.token, nil, "If-Match", tag)
		}, http.StatusOK, http.StatusPreconditionFailed, func(c int, w, r *response) {
			if r.Status != http.StatusOK || etagVersion(r) <= etagVersion(seen) || !strings.Contains(string(r.Body), `"balance":6.00,`) {
				t.Errorf("round %d client %d: confirm with If-Match %s answered %d, the next read %s", round, c, tag, w.Status, r)
			}
		})
		var order atomic.Value
		step("order", func(c int) *response {
			w := s.do(t, http.MethodPost, p+"/"+cases[c]+"/active-disbursement-orders", s.token, `{"norwegianBankAccount":{"accountNo":"86011117947"}}`)
			if w.Status == http.StatusCreated {
				order.Store(w.Header.Get("Location"))
			}
			return w
		}, http.StatusCreated, http.StatusConflict, func(c int, w, r *response) {
			if r.Status != http.StatusOK || !strings.Contains(string(r.Body), `"status":"pending-disbursement"`) || etagVersion(r) < etagVersion(w) {
				t.Errorf("round %d client %d: order answered %d (v%d), the next read %s", round, c, w.Status, etagVersion(w), r)
			}
		})
		location, _ := order.Load().(string)
		if location == "" {
			t.Fatalf("round %d: no order", round)
		}
		step("complete", func(c int) *response {
			return s.do(t, http.MethodPost, location+"/complete", s.token, nil)
		}, http.StatusNoContent, http.StatusNotFound, func(c int, w, r *response) {
			if r.Status != http.StatusNotFound {
				t.Errorf("round %d client %d: complete answered %d, the next read %s", round, c, w.Status, r)
			}
		})
	}
	s.stop(t)
	events := streamEvents(readEvents(t, s.dir), demoLedger, no)
	want := []string{"CustomerCreated"}
	for range rounds {
		want = append(want, "SurplusRegistered", "SurplusSettled", "SurplusRegulated", "DisbursementOrdered", "DisbursementCompleted")
	}
	if got := eventTypes(events); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("the log holds %v, want %v", got, want)
	}
}
