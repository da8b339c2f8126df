package main

// Tenancy and scope matrices over every ledger route the API registers (httpapi.Server.LedgerRoutes):
// a route added later is covered without touching this file.

import (
	"bytes"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/nordledger/ledger/httpapi"
	"github.com/nordledger/ledger/httpapi/auth"
)

// matrixIDs are the path parameters of resources that exist in ledger 1000 once populate ran, and
// of resources that exist nowhere.
type matrixIDs struct {
	customer, surplus, order string
}

var missingIDs = matrixIDs{customer: "4799", surplus: "s9", order: "01900000-0000-7000-8000-000000000000"}

// fillRoute returns the route's path with its parameters filled in.
func fillRoute(r httpapi.Route, ledger string, ids matrixIDs) string {
	p := strings.ReplaceAll(r.Pattern, "{ledgerNo}", ledger)
	p = strings.ReplaceAll(p, "{customerNo}", ids.customer)
	p = strings.ReplaceAll(p, "{surplusId}", ids.surplus)
	p = strings.ReplaceAll(p, "{orderId}", ids.order)
	for _, name := range r.Params() { // parameters of routes added later
		p = strings.ReplaceAll(p, "{"+name+"}", "x1")
	}
	return p
}

// populate creates, in ledger 1000, customer 4711 with a billing address, KYC answers, a surplus
// and a disbursement order on it, and returns their ids.
func populate(t *testing.T, s *testServer) matrixIDs {
	t.Helper()
	ids := matrixIDs{customer: "4711", surplus: "s1"}
	self := customersPath(demoLedger, ids.customer)
	b := newCustomer(ids.customer, "Matrix Person")
	b["billingAddress"] = map[string]any{"addressee": "Matrix Person", "city": "STOCKHOLM", "zipCode": "11122", "countryCode": "SE"}
	s.createCustomer(t, s.token, b)
	expectStatus(t, s.do(t, http.MethodPost, self+"/update-kyc-answers", s.token, // 404 in a ledger without KYC
		`{"answers":[{"questionCode":"taxable_outside_sweden","answerCode":"no"},{"questionCode":"multiple_citizenship","answerCode":"no"}]}`), http.StatusNoContent, http.StatusNotFound)
	expectStatus(t, s.do(t, http.MethodPost, self+"/surpluses", s.token, `{"surplusId":"s1","balance":10.00,"currency":"SEK"}`), http.StatusCreated)
	r := s.do(t, http.MethodPost, self+"/surpluses/s1/active-disbursement-orders", s.token, `{"norwegianBankAccount":{"accountNo":"86011117947"}}`)
	expectStatus(t, r, http.StatusCreated)
	ids.order, _ = r.object(t)["orderId"].(string)
	if ids.order == "" {
		t.Fatalf("order: %s", r)
	}
	return ids
}

// answerOf is a response reduced to what a caller can observe, with the request path (the
// problem's instance) replaced, so answers for different paths can be compared byte for byte.
func answerOf(r *response) string {
	var h []string
	for k, vs := range r.Header {
		switch k {
		case "Date", "X-Correlation-Id", "Content-Length", "Traceresponse": // per request
			continue
		}
		h = append(h, k+": "+strings.Join(vs, ", "))
	}
	slices.Sort(h)
	body := bytes.ReplaceAll(r.Body, []byte(`"instance":"`+r.Path+`"`), []byte(`"instance":"<path>"`))
	return fmt.Sprintf("%d\n%s\n\n%s", r.Status, strings.Join(h, "\n"), body)
}

// logHead returns the number of events in the log, as the audit route tells the ledger's owner.
func auditCount(t *testing.T, s *testServer, ledger string) int {
	t.Helper()
	r := s.do(t, http.MethodGet, "/ledger/customer/v1/"+ledger+"/events?limit=1000", s.token, nil)
	expectStatus(t, r, http.StatusOK)
	items, _ := r.object(t)["items"].([]any)
	return len(items)
}

var matrixMethods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// TestE2ETenancyMatrix: for every ledger route and every method, a caller with a valid token for
// another ledger (every scope) is answered 403 forbidden — 405 for a method the route lacks —
// and learns nothing: the answer is byte for byte the same (but for the path it names) whether
// the customer, surplus and order exist or not, whether the ledger exists or not, and the same
// before and after the resources were created.
// Nothing it sends changes anything.
func TestE2ETenancyMatrix(t *testing.T) {
	s := startServer(t, withConfig(ledgerConfig(t)))
	routes := s.m.api.LedgerRoutes()
	if len(routes) < 15 {
		t.Fatalf("only %d routes registered", len(routes))
	}
	foreign := s.mint(t, "other-tenant", []string{"2000"}, auth.AllScopes...)

	askIn := func(ledger string, r httpapi.Route, method string, ids matrixIDs) *response {
		var body any
		if method != http.MethodGet && method != http.MethodHead {
			body = `{}`
		}
		return s.do(t, method, fillRoute(r, ledger, ids), foreign, body)
	}
	ask := func(r httpapi.Route, method string, ids matrixIDs) *response {
		return askIn(demoLedger, r, method, ids)
	}
	existing := matrixIDs{customer: "4711", surplus: "s1", order: missingIDs.order}
	before := map[string]string{}
	for _, r := range routes {
		for _, m := range matrixMethods {
			before[m+" "+r.Pattern] = answerOf(ask(r, m, existing))
		}
	}
	ids := populate(t, s)
	events := auditCount(t, s, demoLedger)
	etag := s.do(t, http.MethodGet, customersPath(demoLedger, ids.customer), s.token, nil).Header.Get("ETag")

	checked := 0
	for _, r := range routes {
		for _, m := range matrixMethods {
			key := m + " " + r.Pattern
			got := ask(r, m, ids)
			_, registered := r.Scopes[m]
			if m == http.MethodHead {
				_, registered = r.Scopes[http.MethodGet]
			}
			switch {
			case m == http.MethodHead && registered: // no body
				expectStatus(t, got, http.StatusForbidden)
			case m == http.MethodHead:
				expectStatus(t, got, http.StatusMethodNotAllowed)
			case registered:
				assertProblem(t, got, http.StatusForbidden, "forbidden")
			default:
				assertProblem(t, got, http.StatusMethodNotAllowed, "method-not-allowed")
			}
			if missing := ask(r, m, missingIDs); answerOf(got) != answerOf(missing) {
				t.Errorf("%s: a foreign caller is answered differently for existing and missing resources:\n%s\n---\n%s", key, answerOf(got), answerOf(missing))
			}
			if noLedger := askIn("3000", r, m, ids); answerOf(got) != answerOf(noLedger) {
				t.Errorf("%s: a foreign caller is answered differently for an existing and a missing ledger:\n%s\n---\n%s", key, answerOf(got), answerOf(noLedger))
			}
			if !strings.Contains(r.Pattern, "{orderId}") && answerOf(got) != before[key] {
				t.Errorf("%s: a foreign caller is answered differently before and after the resources exist:\n%s\n---\n%s", key, before[key], answerOf(got))
			}
			if bytes.Contains(got.Body, []byte("Matrix Person")) {
				t.Errorf("%s leaks customer data: %s", key, got.Body)
			}
			checked++
		}
	}
	if n := auditCount(t, s, demoLedger); n != events {
		t.Errorf("foreign callers changed ledger 1000: %d events, %d before", n, events)
	}
	if got := s.do(t, http.MethodGet, customersPath(demoLedger, ids.customer), s.token, nil).Header.Get("ETag"); got != etag {
		t.Errorf("foreign callers changed customer %s: ETag %s, %s before", ids.customer, got, etag)
	}
	if n := auditCount(t, s, "2000"); n != 0 {
		t.Errorf("requests for ledger 1000 wrote %d events into ledger 2000", n)
	}
	t.Logf("%d routes, %d route×method answers compared", len(routes), checked)
}

// TestE2EScopeMatrix: for every ledger route and method, a token for the right ledger with every
// scope but the one the route needs is answered 403 forbidden naming the scope, and changes
// nothing; with that scope alone the answer is not 401 or 403.
func TestE2EScopeMatrix(t *testing.T) {
	s := startServer(t)
	routes := s.m.api.LedgerRoutes()
	ids := populate(t, s)
	events := auditCount(t, s, demoLedger)
	bodyFor := func(m string) any {
		if m == http.MethodGet {
			return nil
		}
		return `{}`
	}
	checked := 0
	for _, r := range routes {
		for _, m := range r.Methods {
			scope := r.Scopes[m]
			var others []string
			for _, sc := range auth.AllScopes {
				if sc != scope {
					others = append(others, sc)
				}
			}
			tok := s.mint(t, "scope-tester", []string{demoLedger}, others...)
			got := s.do(t, m, fillRoute(r, demoLedger, ids), tok, bodyFor(m))
			p := assertProblem(t, got, http.StatusForbidden, "forbidden")
			if !strings.Contains(p.Detail, scope) {
				t.Errorf("%s %s: the problem does not name the missing scope %s: %q", m, r.Pattern, scope, p.Detail)
			}
			checked++
		}
	}
	if n := auditCount(t, s, demoLedger); n != events {
		t.Errorf("callers without the scope changed the ledger: %d events, %d before", n, events)
	}
	// With the scope alone the request gets past the scope check (it may then be refused for what
	// it sends: an empty body, mostly).
	for _, r := range routes {
		for _, m := range r.Methods {
			only := s.mint(t, "scope-tester", []string{demoLedger}, r.Scopes[m])
			if got := s.do(t, m, fillRoute(r, demoLedger, ids), only, bodyFor(m)); got.Status == http.StatusForbidden || got.Status == http.StatusUnauthorized {
				t.Errorf("%s %s with scope %s alone: %s", m, r.Pattern, r.Scopes[m], got)
			}
		}
	}
	t.Logf("%d route×method scope checks", checked)
}
