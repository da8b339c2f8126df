package main

// Lifting a protected identity discloses the addresses it hides, so it is for callers that may see
// them: a caller without the population-register scope (a clerk with customer:write) who could
// PATCH protectedIdentity to false or null would read the protected address right after.

import (
	"net/http"
	"strings"
	"testing"

	"github.com/nordledger/ledger/httpapi/auth"
)

func TestE2EProtectedIdentityLiftNeedsTheScope(t *testing.T) {
	s := startServer(t)
	no := "8101"
	c := newCustomer(no, "Sigrid Skyddad")
	c["nationalIdentifier"] = map[string]any{"regNo": "19811228-9874", "countryCode": "SE"}
	c["protectedIdentity"] = true
	c["legalAddress"] = map[string]any{"addressee": "Sigrid Skyddad", "streetAddress": "Hemliga vägen 7", "city": "UPPSALA", "zipCode": "75320", "countryCode": "SE"}
	s.createCustomer(t, s.token, c)
	self := customersPath(demoLedger, no)
	clerk := s.mint(t, "clerk", []string{demoLedger}, auth.ScopeCustomerRead, auth.ScopeCustomerWrite)
	version := func() string { return s.do(t, http.MethodGet, self, s.token, nil).Header.Get("ETag") }
	before := version()

	for _, body := range []string{`{"protectedIdentity": false}`, `{"protectedIdentity": null}`, `{"PROTECTEDIDENTITY": false, "emailAddress": "sigrid@example.se"}`} {
		r := s.do(t, http.MethodPatch, self, clerk, body)
		assertProblem(t, r, http.StatusForbidden, "forbidden")
		if strings.Contains(string(r.Body), "Hemliga") {
			t.Errorf("PATCH %s discloses the address: %s", body, r.Body)
		}
		if v := version(); v != before {
			t.Fatalf("PATCH %s by a caller without population-register changed the customer: ETag %s → %s", body, before, v)
		}
		r = s.do(t, http.MethodGet, self+"/legal-address", clerk, nil)
		if r.Status != http.StatusForbidden || strings.Contains(string(r.Body), "Hemliga") {
			t.Fatalf("after PATCH %s, GET legal-address by the clerk: %s", body, r)
		}
	}
	// What the clerk may still do: other values, and the flag as it is (no change, no event).
	expectStatus(t, s.do(t, http.MethodPatch, self, clerk, `{"emailAddress": "sigrid@example.se"}`), http.StatusOK)
	expectStatus(t, s.do(t, http.MethodPatch, self, clerk, `{"protectedIdentity": true}`), http.StatusOK)
	// With the scope, the protection is lifted.
	r := s.do(t, http.MethodPatch, self, s.token, `{"protectedIdentity": false}`)
	expectStatus(t, r, http.StatusOK)
	if got := r.object(t); got["protectedIdentity"] != false {
		t.Errorf("PATCH with the scope: %s", r.Body)
	}
	expectStatus(t, s.do(t, http.MethodGet, self+"/legal-address", clerk, nil), http.StatusOK)
	// Raising it again needs no special scope (it discloses nothing).
	expectStatus(t, s.do(t, http.MethodPatch, self, clerk, `{"protectedIdentity": true}`), http.StatusOK)
	assertProblem(t, s.do(t, http.MethodGet, self+"/legal-address", clerk, nil), http.StatusForbidden, "forbidden")
}
