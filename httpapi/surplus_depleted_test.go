package httpapi_test

import (
	"net/http"
	"testing"
)

// TestDepletedSurplusIsToldApart: a client whose complete or confirm-regulation got no answer
// (the connection dropped after the surplus was depleted) sends it again. The retry is a 404 —
// depleted surpluses leave the API (SPEC §3, the document) — but its problem says the surplus
// is depleted (surplus-depleted), where a surplus that never existed is not-found: "already
// done" is told from "never existed". Every route naming a depleted surplus answers the same
// problem. Before, both were the same "not-found: the customer has no such surplus".
func TestDepletedSurplusIsToldApart(t *testing.T) {
	h := newHarness(t)
	h.mustDo(http.MethodPost, "/ledger/customer/v1/1000/customers", validCustomer, http.StatusCreated)

	h.mustDo(http.MethodPost, base+"/surpluses", surplusBody("paid", "20.00", "SEK"), http.StatusCreated)
	order := h.mustDo(http.MethodPost, base+"/surpluses/paid/active-disbursement-orders",
		`{"norwegianBankAccount":{"accountNo":"86011117947"}}`, http.StatusCreated)
	complete := base + "/surpluses/paid/active-disbursement-orders/" + order["orderId"].(string) + "/complete"
	h.mustDo(http.MethodPost, complete, "", http.StatusNoContent)

	h.mustDo(http.MethodPost, base+"/surpluses", surplusBody("used", "10.00", "SEK"), http.StatusCreated)
	h.mustDo(http.MethodPost, base+"/surpluses/used/settle", "", http.StatusOK)
	h.mustDo(http.MethodPost, base+"/surpluses/used/confirm-regulation", "", http.StatusNoContent)

	depleted := []struct{ method, path, body string }{
		{http.MethodPost, complete, ""},                                    // the retried completion
		{http.MethodPost, base + "/surpluses/used/confirm-regulation", ""}, // the retried confirmation
		{http.MethodGet, base + "/surpluses/paid", ""},
		{http.MethodGet, base + "/surpluses/used", ""},
		{http.MethodGet, base + "/surpluses/PAID/active-disbursement-orders", ""},
		{http.MethodGet, base + "/surpluses/paid/active-disbursement-orders/" + order["orderId"].(string), ""},
		{http.MethodPost, base + "/surpluses/used/settle", ""},
		{http.MethodPost, base + "/surpluses/paid/active-disbursement-orders", `{"norwegianBankAccount":{"accountNo":"86011117947"}}`},
	}
	for _, c := range depleted {
		p := h.mustDo(c.method, c.path, c.body, http.StatusNotFound)
		if p["type"] != "ledger/customer/v1/problems/surplus-depleted" || p["title"] != "Surplus depleted" {
			t.Errorf("%s %s (a depleted surplus): %v, want the surplus-depleted problem", c.method, c.path, p)
		}
	}
	never := []struct{ method, path string }{
		{http.MethodPost, base + "/surpluses/never/active-disbursement-orders/" + order["orderId"].(string) + "/complete"},
		{http.MethodPost, base + "/surpluses/never/confirm-regulation"},
		{http.MethodGet, base + "/surpluses/never"},
	}
	for _, c := range never {
		p := h.mustDo(c.method, c.path, "", http.StatusNotFound)
		if p["type"] != "ledger/customer/v1/problems/not-found" {
			t.Errorf("%s %s (no such surplus): %v, want not-found", c.method, c.path, p)
		}
	}
}
