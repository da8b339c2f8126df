package main

import (
	"bytes"
	"net/http"
	"testing"
)

// TestE2EReaderAnswersTheForgottenAsTheWriter: after a forget, a reader replica answers every
// read of the forgotten customer exactly as the writer — 410 customer-forgotten on the customer,
// its addresses, surpluses, a surplus, its orders and an order, its consent resources and time
// travel; the audit trail (byte for byte) with the personal members erased; find-customer finding nothing.
func TestE2EReaderAnswersTheForgottenAsTheWriter(t *testing.T) {
	s := startServer(t, withConfig(forgetConfig(t)))
	tok := s.token
	richHistory(t, s, tok)
	reader, _ := startReaderOf(t, s)
	expectStatus(t, s.do(t, http.MethodPost, customersPath(demoLedger, forgetNo, "forget"), tok, nil), http.StatusNoContent)
	await(t, "the reader to forget the customer", func() (*response, bool) {
		got := reader.do(t, http.MethodGet, customersPath(demoLedger, forgetNo), tok, nil)
		return got, got.Status == http.StatusGone
	})
	self := customersPath(demoLedger, forgetNo)
	order := "/surpluses/S1/active-disbursement-orders/01900000-0000-7000-8000-000000000000"
	gone := []string{"", "/legal-address", "/billing-address", "/surpluses", "/surpluses/S1", "/surpluses/S1/active-disbursement-orders",
		order, "/consent", "/consent/recurring-card", "/consent/recurring-card-redirect-registration", "?asOfVersion=1", "?asOf=2030-01-01T00:00:00Z"}
	for _, p := range gone {
		w, r := s.do(t, http.MethodGet, self+p, tok, nil), reader.do(t, http.MethodGet, self+p, tok, nil)
		if w.Status != http.StatusGone || r.Status != w.Status {
			t.Errorf("GET %s: writer %d, reader %d %s; want 410 on both", self+p, w.Status, r.Status, r.Body)
		}
	}
	w, r := s.do(t, http.MethodGet, self+"/events?limit=1000", tok, nil), reader.do(t, http.MethodGet, self+"/events?limit=1000", tok, nil)
	if w.Status != http.StatusOK || r.Status != w.Status || !bytes.Equal(w.Body, r.Body) {
		t.Errorf("GET the audit trail: writer %d %s\nreader %d %s", w.Status, w.Body, r.Status, r.Body)
	}
	// The record of disclosures is the writer's (docs/data-protection.md).
	assertProblem(t, reader.do(t, http.MethodGet, self+"/disclosures", tok, nil), http.StatusMisdirectedRequest, "read-only-replica")
	find := map[string]any{"nationalIdentifier": map[string]any{"regNo": tolvan, "countryCode": "SE"}}
	assertProblem(t, reader.do(t, http.MethodPost, "/ledger/customer/v1/1000/find-customer", tok, find), http.StatusNotFound, "customer-not-found")
}
