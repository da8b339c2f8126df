package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/nordledger/ledger/httpapi/auth"
)

// TestE2EWithheldLookupRevealsNothing: the record of a Connect look-up that withheld a protected
// identity tells nobody without the customer's key that it was withheld. Legal status is in the
// clear, so a clear "withheld" of a customer who is not deceased would say "protected identity":
// the result is sealed with the customer's data key. A NATS subscriber, the stored log (its
// backups) and, after the customer is forgotten, the audit trail and the log opened with the key
// store do not show it; the audit trail with the population-register scope reads it before.
func TestE2EWithheldLookupRevealsNothing(t *testing.T) {
	s := startServer(t)
	msgs := subscribeEvents(t, s)
	c := newConnectClient(s)
	protected := gustav("5001", tolvan)
	protected["protectedIdentity"] = true
	s.createCustomer(t, s.token, protected)
	s.createCustomer(t, s.token, gustav("5002", "19850709-1232"))
	path := connectPath("1000", "9000")
	assertConnectError(t, c.post(t, path, s.token, lookupBody("SE", tolvan)), http.StatusBadRequest, "1214", "CUSTOMER_DETAILS_NOT_FOUND")
	expectStatus(t, c.post(t, path, s.token, lookupBody("SE", "19850709-1232")), http.StatusOK)

	// On NATS: both records look alike in the clear; neither holds its result there.
	published := map[string][]byte{}
	wait, cancel := waitContext(t)
	defer cancel()
	for len(published) < 2 {
		select {
		case m := <-msgs:
			if strings.HasSuffix(m.Subject, ".CustomerDetailsLookedUp") {
				published[m.Subject] = m.Data
			}
		case <-wait.Done():
			t.Fatalf("%d of 2 look-ups arrived on NATS by the test's deadline", len(published))
		}
	}
	for subject, data := range published {
		if clearResult(t, data) {
			t.Errorf("%s carries its result in the clear: %s", subject, data)
		}
	}

	// The audit trail with the population-register scope reads the result.
	auditor := s.mint(t, "auditor", []string{demoLedger}, auth.ScopeAuditRead, auth.ScopeCustomerRead, auth.ScopePopulationRegister)
	if got := lookupTrail(t, s, auditor, "1000/lookups/5001"); !bytes.Contains(got, []byte(`"result":"withheld"`)) {
		t.Errorf("the audit trail with a grant does not read the withheld result: %s", got)
	}

	// Forget the protected customer: nothing reads the result any more.
	dpo := s.mint(t, "dpo@example.se", []string{demoLedger}, auth.ScopeCustomerErase, auth.ScopeCustomerRead, auth.ScopeAuditRead, auth.ScopePopulationRegister)
	expectStatus(t, s.do(t, http.MethodPost, customersPath(demoLedger, "5001", "forget"), dpo, nil), http.StatusNoContent)
	if got := lookupTrail(t, s, dpo, "1000/lookups/5001"); bytes.Contains(got, []byte("withheld")) || !bytes.Contains(got, []byte(`"erased":["result"]`)) {
		t.Errorf("the audit trail after the forget: %s", got)
	}
	s.stop(t)
	for _, e := range readStoredEvents(t, s.dir) {
		if e.Type == "CustomerDetailsLookedUp" && clearResult(t, e.Data) {
			t.Errorf("event %d of %s is stored with its result in the clear: %s", e.Position, e.Stream, e.Data)
		}
	}
	for _, e := range readEvents(t, s.dir) {
		if e.Stream == "1000/lookups/5001" && bytes.Contains(e.Data, []byte("withheld")) {
			t.Errorf("the log opened with the key store still shows the forgotten customer's look-up withheld: %s", e.Data)
		}
	}
	if got := lookupEvents(t, s.dir, "1000/lookups/5002"); len(got) != 1 || got[0]["result"] != "found" {
		t.Errorf("the other customer's look-up opens to %v", got)
	}
}

// clearResult reports whether a stored or published look-up holds its result in the clear.
func clearResult(t *testing.T, data []byte) bool {
	t.Helper()
	var o map[string]json.RawMessage
	if err := json.Unmarshal(data, &o); err != nil {
		t.Fatal(err)
	}
	_, ok := o["result"]
	return ok
}

// lookupTrail returns the items of the ledger's audit trail of one look-up stream, as JSON.
func lookupTrail(t *testing.T, s *testServer, tok, stream string) []byte {
	t.Helper()
	r := s.do(t, http.MethodGet, "/ledger/customer/v1/1000/events?limit=1000&type=CustomerDetailsLookedUp", tok, nil)
	expectStatus(t, r, http.StatusOK)
	var page struct {
		Items []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(r.Body, &page); err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for _, it := range page.Items {
		var item struct {
			Stream string `json:"stream"`
		}
		if err := json.Unmarshal(it, &item); err != nil {
			t.Fatal(err)
		}
		if item.Stream == stream {
			out = append(out, it)
		}
	}
	if len(out) == 0 {
		t.Fatalf("no look-up of %s in the audit trail: %s", stream, r.Body)
	}
	return bytes.Join(out, []byte("\n"))
}
