package httpapi_test

import (
	"net/http"
	"testing"
)

// TestPreconditionsOnWritesThatChangeNothing: a write whose values are already the customer's
// appends nothing — and still honours If-Match and If-None-Match (RFC 9110 §13.2.2: the
// preconditions are evaluated before the method): a stale If-Match, an If-None-Match naming the
// current ETag or "*", is 412, not a 200 telling the client its condition held.
func TestPreconditionsOnWritesThatChangeNothing(t *testing.T) {
	h := newRouteHarness(t)
	h.t = t
	c := "/ledger/customer/v1/1000/customers/9999"
	noops := []struct{ method, path, body string }{
		{"PATCH", c, `{"legalStatus":"active"}`},
		{"PUT", c + "/legal-address", `{"addressee":"Tolvan Tolvansson","city":"STOCKHOLM","zipCode":"15961","countryCode":"SE"}`},
		{"PUT", c + "/billing-address", `{"addressee":"Tolvan Tolvansson","city":"STOCKHOLM","zipCode":"15961","countryCode":"SE"}`},
	}
	for _, w := range noops {
		before := h.state(t)
		if r := h.raw(t, w.method, w.path, map[string]string{"Content-Type": "application/json", "If-Match": before.etag}, []byte(w.body)); r.code >= 300 {
			t.Fatalf("%s %s with a current If-Match: %d %s", w.method, w.path, r.code, r.body)
		}
		if after := h.state(t); after != before {
			t.Fatalf("%s %s changed %v → %v: not a write that changes nothing", w.method, w.path, before, after)
		}
		for _, hdr := range []map[string]string{
			{"If-Match": `"0"`},
			{"If-None-Match": before.etag},
			{"If-None-Match": "*"},
		} {
			hdr["Content-Type"] = "application/json"
			r := h.raw(t, w.method, w.path, hdr, []byte(w.body))
			if after := h.state(t); r.code != http.StatusPreconditionFailed || after != before {
				t.Errorf("%s %s (changes nothing) with %v: %d %s; want 412", w.method, w.path, hdr, r.code, r.body)
			}
		}
	}
}
