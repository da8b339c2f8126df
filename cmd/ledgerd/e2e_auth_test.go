package main

// Authentication, tenancy and scopes (SPEC §2), and operations that depend on scope and state.

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nordledger/ledger/httpapi/auth"
)

func TestE2EAuthentication(t *testing.T) {
	s := startServer(t)
	no := "4711"
	s.createCustomer(t, s.token, newCustomer(no, "Auth Test"))
	self := customersPath(demoLedger, no)
	secret := s.secret(t)

	expired, err := auth.MintHS256(secret, auth.Claims{Subject: "late", Ledgers: []string{demoLedger}, Scopes: auth.AllScopes, TTL: time.Hour},
		time.Now().Add(-3*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	wrongSecret, err := auth.MintHS256([]byte(strings.Repeat("not the secret ", 4)),
		auth.Claims{Subject: "mallory", Ledgers: []string{"*"}, Scopes: auth.AllScopes, TTL: time.Hour}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	notYet, err := auth.MintHS256(secret, auth.Claims{Subject: "early", Ledgers: []string{demoLedger}, Scopes: auth.AllScopes, TTL: 3 * time.Hour,
		NotBefore: time.Now().Add(time.Hour)}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	valid := s.token
	// A token whose signature no longer matches its (edited) payload.
	parts := strings.Split(valid, ".")
	tampered := parts[0] + "." + parts[1] + "x." + parts[2]

	cases := []struct {
		name   string
		header string // the Authorization header; "" for none
	}{
		{"no token", ""},
		{"garbage", "Bearer garbage"},
		{"not a JWT", "Bearer a.b.c"},
		{"empty bearer", "Bearer "},
		{"basic auth", "Basic dXNlcjpwYXNz"},
		{"token without scheme", valid},
		{"expired", "Bearer " + expired},
		{"not yet valid", "Bearer " + notYet},
		{"wrong secret", "Bearer " + wrongSecret},
		{"tampered", "Bearer " + tampered},
		{"alg none", "Bearer eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJ4IiwibGVkZ2VycyI6WyIqIl0sInNjb3BlIjoiY3VzdG9tZXI6cmVhZCIsImV4cCI6NDEwMjQ0NDgwMH0."},
	}
	requests := []struct{ method, path, body string }{
		{http.MethodGet, self, ""},
		{http.MethodGet, customersPath(demoLedger, "12345"), ""},
		{http.MethodPatch, self, `{"emailAddress": "a@b.se"}`},
		{http.MethodPost, customersPath(demoLedger), `{}`},
		{http.MethodPost, "/ledger/customer/v1/1000/find-customer", `{"nationalIdentifier": {"regNo": "19121212-1212", "countryCode": "SE"}}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, rq := range requests {
				var body any
				if rq.body != "" {
					body = rq.body
				}
				var r *response
				if tc.header == "" {
					r = s.do(t, rq.method, rq.path, "", body)
				} else {
					r = s.do(t, rq.method, rq.path, "", body, "Authorization", tc.header)
				}
				assertProblem(t, r, http.StatusUnauthorized, "unauthorized")
				if !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer") {
					t.Errorf("%s: WWW-Authenticate %q", r, r.Header.Get("WWW-Authenticate"))
				}
			}
		})
	}
	// Nothing changed.
	r := s.do(t, http.MethodGet, self, s.token, nil)
	if got := r.object(t); got["emailAddress"] != nil {
		t.Errorf("an unauthenticated PATCH changed the customer: %s", r.Body)
	}
	// The scheme is case-insensitive (RFC 6750 / RFC 9110).
	r = s.do(t, http.MethodGet, self, "", nil, "Authorization", "bearer "+s.token)
	expectStatus(t, r, http.StatusOK)
}

func TestE2ETenancyAndScopes(t *testing.T) {
	s := startServer(t)
	no := "4711"
	s.createCustomer(t, s.token, newCustomer(no, "Tenant Test"))
	self := customersPath(demoLedger, no)
	missing := customersPath(demoLedger, "12345")
	addr := `{"addressee": "Kalle", "city": "STOCKHOLM", "zipCode": "16872", "countryCode": "SE"}`

	t.Run("other-ledger-is-forbidden-and-reveals-nothing", func(t *testing.T) {
		other := s.mint(t, "other-tenant", []string{"2000"}, auth.AllScopes...)
		pairs := []struct{ method, exists, notExists, body string }{
			{http.MethodGet, self, missing, ""},
			{http.MethodGet, self + "?$expand=legaladdress,billingaddress", missing + "?$expand=legaladdress,billingaddress", ""},
			{http.MethodPatch, self, missing, `{"emailAddress": "a@b.se"}`},
			{http.MethodGet, self + "/legal-address", missing + "/legal-address", ""},
			{http.MethodPut, self + "/legal-address", missing + "/legal-address", addr},
			{http.MethodGet, self + "/billing-address", missing + "/billing-address", ""},
			{http.MethodPost, self + "/billing-address", missing + "/billing-address", addr},
			{http.MethodDelete, self + "/billing-address", missing + "/billing-address", "{ }"},
			// A ledger that does not exist answers like one that does.
			{http.MethodGet, self, customersPath("3000", no), ""},
		}
		for _, p := range pairs {
			var body any
			if p.body != "" {
				body = p.body
			}
			a := s.do(t, p.method, p.exists, other, body)
			b := s.do(t, p.method, p.notExists, other, body)
			pa := assertProblem(t, a, http.StatusForbidden, "forbidden")
			pb := assertProblem(t, b, http.StatusForbidden, "forbidden")
			pa.Instance, pb.Instance = "", ""
			if show(pa) != show(pb) {
				t.Errorf("%s %s and %s answer differently for a caller without access:\n%s\n%s", p.method, p.exists, p.notExists, a.Body, b.Body)
			}
			if strings.Contains(string(a.Body), "Tenant Test") {
				t.Errorf("%s leaks customer data", a)
			}
		}
		// Creating and finding in a foreign ledger.
		assertProblem(t, s.do(t, http.MethodPost, customersPath(demoLedger), other, newCustomer("4712", "Intruder")), http.StatusForbidden, "forbidden")
		find := `{"nationalIdentifier": {"regNo": "19121212-1212", "countryCode": "SE"}}`
		assertProblem(t, s.do(t, http.MethodPost, "/ledger/customer/v1/1000/find-customer", other, find), http.StatusForbidden, "forbidden")
		// A token with no ledgers claim at all.
		none := s.mint(t, "nobody", nil, auth.AllScopes...)
		assertProblem(t, s.do(t, http.MethodGet, self, none, nil), http.StatusForbidden, "forbidden")
		// Nothing was created or changed.
		assertProblem(t, s.do(t, http.MethodGet, customersPath(demoLedger, "4712"), s.token, nil), http.StatusNotFound, "customer-not-found")
		r := s.do(t, http.MethodGet, self, s.token, nil)
		if tag := r.Header.Get("ETag"); tag != `"1"` {
			t.Errorf("a foreign tenant changed the customer: ETag %s, %s", tag, r.Body)
		}
	})

	t.Run("missing-scope-is-forbidden", func(t *testing.T) {
		read := s.mint(t, "reader", []string{demoLedger}, auth.ScopeCustomerRead)
		write := s.mint(t, "writer", []string{demoLedger}, auth.ScopeCustomerWrite)
		others := s.mint(t, "auditor", []string{demoLedger}, auth.ScopeAuditRead, auth.ScopeSurplusWrite, auth.ScopeKycWrite)
		for _, tc := range []struct {
			token, method, path, body string
		}{
			{read, http.MethodPatch, self, `{"emailAddress": "a@b.se"}`},
			{read, http.MethodPost, customersPath(demoLedger), `{}`},
			{read, http.MethodPut, self + "/legal-address", addr},
			{read, http.MethodPost, self + "/billing-address", addr},
			{read, http.MethodPut, self + "/billing-address", addr},
			{read, http.MethodDelete, self + "/billing-address", "{ }"},
			{write, http.MethodGet, self, ""},
			{write, http.MethodGet, self + "/legal-address", ""},
			{write, http.MethodGet, self + "/billing-address", ""},
			{write, http.MethodPost, "/ledger/customer/v1/1000/find-customer", `{"nationalIdentifier": {"regNo": "19121212-1212", "countryCode": "SE"}}`},
			{others, http.MethodGet, self, ""},
			{others, http.MethodPatch, self, `{"emailAddress": "a@b.se"}`},
		} {
			var body any
			if tc.body != "" {
				body = tc.body
			}
			assertProblem(t, s.do(t, tc.method, tc.path, tc.token, body), http.StatusForbidden, "forbidden")
		}
		r := s.do(t, http.MethodGet, self, s.token, nil)
		if tag := r.Header.Get("ETag"); tag != `"1"` {
			t.Errorf("a caller without customer:write changed the customer: ETag %s", tag)
		}
		// The scopes it does have work.
		expectStatus(t, s.do(t, http.MethodGet, self, read, nil), http.StatusOK)
		expectStatus(t, s.do(t, http.MethodPatch, self, write, `{"emailAddress": "writer@example.se"}`), http.StatusOK, http.StatusNoContent)
	})

	t.Run("star-ledger-token", func(t *testing.T) {
		all := s.mint(t, "root", []string{"*"}, auth.ScopeCustomerRead)
		expectStatus(t, s.do(t, http.MethodGet, self, all, nil), http.StatusOK)
	})
}

// TestE2EOperations: hypermedia operations depend on the customer's state and the caller's
// scopes (SPEC §2).
func TestE2EOperations(t *testing.T) {
	s := startServer(t)
	no := "4711"
	s.createCustomer(t, s.token, newCustomer(no, "Operations Test"))
	self := customersPath(demoLedger, no)
	opPatch, opAddBilling := customerOps(demoLedger, no)
	expand := self + "?$expand=legaladdress,billingaddress"
	read := s.mint(t, "reader", []string{demoLedger}, auth.ScopeCustomerRead)
	readWrite := s.mint(t, "editor", []string{demoLedger}, auth.ScopeCustomerRead, auth.ScopeCustomerWrite)

	noWriteOps := func(t *testing.T, what string, ops []operation) {
		t.Helper()
		for _, o := range ops {
			if slices.Contains(writeMethods, o.Method) {
				t.Errorf("%s: a customer:read token is offered %v", what, o)
			}
		}
	}

	// Without a billing address.
	for _, tok := range []string{s.token, readWrite} {
		got := s.do(t, http.MethodGet, self, tok, nil).object(t)
		assertOperations(t, "without billing address", operationsAt(t, got, "operations"), []operation{opPatch, opAddBilling})
	}
	got := s.do(t, http.MethodGet, expand, read, nil).object(t)
	noWriteOps(t, "customer (read-only)", operationsAt(t, got, "operations"))
	noWriteOps(t, "legal address (read-only)", operationsAt(t, got, "legalAddress.operations"))
	got = s.do(t, http.MethodGet, self+"/legal-address", read, nil).object(t)
	noWriteOps(t, "GET legal-address (read-only)", operationsAt(t, got, "operations"))

	// With a billing address.
	expectStatus(t, s.do(t, http.MethodPost, self+"/billing-address", s.token,
		`{"addressee": "Kalle", "city": "STOCKHOLM", "zipCode": "16872", "countryCode": "SE"}`), http.StatusCreated)
	for _, tok := range []string{s.token, readWrite} {
		got := s.do(t, http.MethodGet, expand, tok, nil).object(t)
		assertOperations(t, "with billing address", operationsAt(t, got, "operations"), []operation{opPatch}, "add-billing-address")
		assertOperations(t, "billing address", operationsAt(t, got, "billingAddress.operations"), []operation{
			{"update", http.MethodPut, self + "/billing-address"}, {"delete", http.MethodDelete, self + "/billing-address"},
		})
		got = s.do(t, http.MethodGet, self+"/billing-address", tok, nil).object(t)
		assertOperations(t, "GET billing-address", operationsAt(t, got, "operations"), []operation{
			{"update", http.MethodPut, self + "/billing-address"}, {"delete", http.MethodDelete, self + "/billing-address"},
		})
	}
	got = s.do(t, http.MethodGet, expand, read, nil).object(t)
	noWriteOps(t, "customer (read-only)", operationsAt(t, got, "operations"))
	noWriteOps(t, "legal address (read-only)", operationsAt(t, got, "legalAddress.operations"))
	noWriteOps(t, "billing address (read-only)", operationsAt(t, got, "billingAddress.operations"))
	got = s.do(t, http.MethodGet, self+"/billing-address", read, nil).object(t)
	noWriteOps(t, "GET billing-address (read-only)", operationsAt(t, got, "operations"))

	// Removed again: offered again.
	expectStatus(t, s.do(t, http.MethodDelete, self+"/billing-address", s.token, nil), http.StatusNoContent)
	got = s.do(t, http.MethodGet, self, s.token, nil).object(t)
	assertOperations(t, "after DELETE billing-address", operationsAt(t, got, "operations"), []operation{opPatch, opAddBilling})
}
