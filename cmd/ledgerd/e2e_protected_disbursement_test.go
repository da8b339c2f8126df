package main

// A SUS payout names the address its payment notice goes to — for a protected customer, the
// address the protection hides. Like the customer's own addresses, it is shown only to callers
// with the population-register scope: the others see the order without it.

import (
	"net/http"
	"strings"
	"testing"

	"github.com/nordledger/ledger/httpapi/auth"
)

func TestE2EProtectedIdentitySusAddressWithheld(t *testing.T) {
	s := startServer(t)
	no := "8201"
	c := newCustomer(no, "Petra Skyddad")
	c["nationalIdentifier"] = map[string]any{"regNo": "19670919-9530", "countryCode": "SE"}
	c["protectedIdentity"] = true
	s.createCustomer(t, s.token, c)
	surplus := customersPath(demoLedger, no) + "/surpluses"
	expectStatus(t, s.do(t, http.MethodPost, surplus, s.token,
		`{"surplusId": "s1", "balance": 10.00, "currency": "SEK", "invoice": "/ledger/invoice/v1/1000/invoices/A"}`), http.StatusCreated)
	order := `{"swedishSus": {"nationalIdentifier": {"regNo": "19670919-9530", "countryCode": "SE"},
	  "address": {"addressee": "Petra Skyddad", "streetAddress": "Dolda gränd 3", "city": "UPPSALA", "zipCode": "75320", "countryCode": "SE"}}}`
	payer := s.mint(t, "payer", []string{demoLedger}, auth.ScopeCustomerRead, auth.ScopeDisbursementWrite, auth.ScopeSurplusWrite)
	r := s.do(t, http.MethodPost, surplus+"/s1/active-disbursement-orders", payer, order)
	expectStatus(t, r, http.StatusCreated)
	orderURL := r.Header.Get("Location")
	hidden := func(what string, r *response) {
		t.Helper()
		expectStatus(t, r, http.StatusOK, http.StatusCreated)
		for _, v := range []string{"Dolda", "UPPSALA", "75320"} {
			if strings.Contains(string(r.Body), v) {
				t.Errorf("%s discloses the protected address: %s", what, r.Body)
			}
		}
		if !strings.Contains(string(r.Body), `"swedishSus"`) || !strings.Contains(string(r.Body), "19670919-9530") {
			t.Errorf("%s: the order's destination is missing: %s", what, r.Body)
		}
	}
	hidden("the order's 201", r)
	clerk := s.mint(t, "clerk", []string{demoLedger}, auth.ScopeCustomerRead)
	for _, who := range []string{payer, clerk} {
		hidden("GET orders", s.do(t, http.MethodGet, surplus+"/s1/active-disbursement-orders", who, nil))
		hidden("GET order", s.do(t, http.MethodGet, orderURL, who, nil))
	}
	// With the population-register scope, the whole order.
	r = s.do(t, http.MethodGet, orderURL, s.token, nil)
	expectStatus(t, r, http.StatusOK)
	assertContainsJSON(t, "GET order with the scope", map[string]any{"swedishSus": map[string]any{
		"address": map[string]any{"streetAddress": "Dolda gränd 3", "city": "UPPSALA"}}}, r.object(t))
}
