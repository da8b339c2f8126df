package httpapi_test

import (
	"net/http"
	"testing"
)

// TestLedgerAnswersNotStored: every answer of a ledger route says Cache-Control: no-store. Their
// bodies are a customer's personal data (name, national identifier, addresses, the audit trail
// opened, a past state, the card token, the registration's redirect URL, who obtained the data),
// as the Connect look-up's and the disclosure's are, which already say so: no cache — a
// browser's disk cache behind a page that reads the API included — keeps a copy.
func TestLedgerAnswersNotStored(t *testing.T) {
	h := newRouteHarness(t)
	for _, ep := range h.endpoints(func(m string) bool { return m == http.MethodGet || m == http.MethodHead }) {
		target := h.path(ep.route, "", "")
		for _, q := range []string{"", "?asOfVersion=1"} {
			r := h.raw(t, ep.method, target+q, nil, nil)
			if r.code == http.StatusBadRequest && q != "" {
				continue // the route takes no asOfVersion
			}
			if got := r.hdr.Get("Cache-Control"); got != "no-store" {
				t.Errorf("%s %s%s → %d with Cache-Control %q, want no-store", ep.method, target, q, r.code, got)
			}
		}
	}
	// A write answers the customer as it left it.
	r := h.raw(t, http.MethodPatch, "/ledger/customer/v1/1000/customers/9999", map[string]string{"Content-Type": "application/json"},
		[]byte(`{"emailAddress":"tolvan@example.com"}`))
	if got := r.hdr.Get("Cache-Control"); r.code != http.StatusOK || got != "no-store" {
		t.Errorf("PATCH customer → %d with Cache-Control %q, want 200 with no-store", r.code, got)
	}
}
