package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nordledger/ledger/httpapi/auth"
)

// TestBearerChallenges: every refusal of a ledger route's caller says why in WWW-Authenticate as
// RFC 6750 §3 has it — no credentials (no Authorization header, or another scheme): the bare
// challenge, no error code (§3.1); a token that is not valid: error="invalid_token"; a valid token
// without the ledger: error="insufficient_scope"; without the route's scope: that too, with the
// scope needed — for every route and method the API serves, for time travel, a protected
// identity (population-register) and the Connect look-up.
func TestBearerChallenges(t *testing.T) {
	h := newRouteHarness(t)
	mint := func(ledgers []string, scopes ...string) string {
		tok, err := auth.MintHS256(testSecret, auth.Claims{Subject: "tester", Ledgers: ledgers, Scopes: scopes, TTL: time.Hour}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	challenge := func(method, target, authorization string) (int, string) {
		t.Helper()
		req, err := http.NewRequest(method, h.srv.URL+target, strings.NewReader(`{}`))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		if authorization != "" {
			req.Header.Set("Authorization", authorization)
		}
		resp, err := h.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode, strings.Join(resp.Header.Values("WWW-Authenticate"), " | ")
	}
	const (
		bare         = `Bearer realm="ledger"`
		invalidToken = `Bearer realm="ledger", error="invalid_token"`
		noLedger     = `Bearer realm="ledger", error="insufficient_scope"`
	)
	foreign := mint([]string{"2000"}, auth.AllScopes...)
	checked := 0
	for _, ep := range h.endpoints(nil) {
		method, target := ep.method, h.path(ep.route, "", "")
		scope := ep.route.Scopes[method]
		if method == http.MethodHead {
			scope = ep.route.Scopes[http.MethodGet]
		}
		var others []string
		for _, s := range auth.AllScopes {
			if s != scope {
				others = append(others, s)
			}
		}
		for _, c := range []struct {
			name, authorization string
			status              int
			want                string
		}{
			{"no token", "", http.StatusUnauthorized, bare},
			{"another scheme", "Basic dXNlcjpwYXNz", http.StatusUnauthorized, bare},
			{"a bad token", "Bearer not.a.token", http.StatusUnauthorized, invalidToken},
			{"another ledger's token", "Bearer " + foreign, http.StatusForbidden, noLedger},
			{"no scope", "Bearer " + mint([]string{"1000"}, others...), http.StatusForbidden,
				`Bearer realm="ledger", error="insufficient_scope", scope="` + scope + `"`},
		} {
			status, got := challenge(method, target, c.authorization)
			if status != c.status || got != c.want {
				t.Errorf("%s %s, %s: %d WWW-Authenticate %q; want %d %q", method, ep.route.Pattern, c.name, status, got, c.status, c.want)
			}
			checked++
		}
	}
	// Time travel needs audit:read besides customer:read.
	readOnly := "Bearer " + mint([]string{"1000"}, auth.ScopeCustomerRead)
	if status, got := challenge(http.MethodGet, "/ledger/customer/v1/1000/customers/9999?asOfVersion=1", readOnly); status != http.StatusForbidden ||
		got != `Bearer realm="ledger", error="insufficient_scope", scope="customer:read audit:read"` {
		t.Errorf("time travel without audit:read: %d WWW-Authenticate %q", status, got)
	}
	// A protected identity is disclosed, and lifted, only with the population-register scope.
	if code, body := h.do(http.MethodPost, "/ledger/customer/v1/1000/customers", "application/json", `{"customerNo":"7777","name":"Hidden Person",`+
		`"protectedIdentity":true,"legalAddress":{"addressee":"Hidden Person","city":"STOCKHOLM","zipCode":"11122","countryCode":"SE"}}`); code != http.StatusCreated {
		t.Fatalf("creating a protected customer: %d %s", code, body)
	}
	hidden := "/ledger/customer/v1/1000/customers/7777"
	for _, c := range []struct{ method, target, scope string }{
		{http.MethodGet, hidden + "/legal-address", auth.ScopeCustomerRead},
		{http.MethodGet, hidden + "/events", auth.ScopeAuditRead},
		{http.MethodPatch, hidden, auth.ScopeCustomerWrite},
	} {
		body := `{"protectedIdentity":false}`
		req, err := http.NewRequest(c.method, h.srv.URL+c.target, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if c.method == http.MethodGet {
			req.Body = http.NoBody
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+mint([]string{"1000"}, c.scope))
		resp, err := h.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		want := `Bearer realm="ledger", error="insufficient_scope", scope="population-register"`
		if got := resp.Header.Get("WWW-Authenticate"); resp.StatusCode != http.StatusForbidden || got != want {
			t.Errorf("%s %s of a protected customer with %s alone: %d WWW-Authenticate %q; want 403 %q", c.method, c.target, c.scope, resp.StatusCode, got, want)
		}
	}
	// The Connect look-up: the same challenges (a merchant the token may not act for is not found).
	connect := "/client/v1/1000/products/9000/customerDetails"
	for _, c := range []struct {
		name, authorization string
		status              int
		want                string
	}{
		{"no token", "", http.StatusUnauthorized, bare},
		{"a bad token", "Bearer not.a.token", http.StatusUnauthorized, invalidToken},
		{"no scope", "Bearer " + mint([]string{"1000"}, auth.ScopeCustomerWrite), http.StatusForbidden,
			`Bearer realm="ledger", error="insufficient_scope", scope="customer:read"`},
	} {
		if status, got := challenge(http.MethodPost, connect, c.authorization); status != c.status || got != c.want {
			t.Errorf("Connect look-up, %s: %d WWW-Authenticate %q; want %d %q", c.name, status, got, c.status, c.want)
		}
	}
	t.Logf("%d challenges checked", checked)
}
