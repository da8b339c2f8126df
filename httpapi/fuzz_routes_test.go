package httpapi_test

// Fuzz targets over every ledger route the API registers (Server.LedgerRoutes): request bodies, path
// parameters and query parameters. A route added later is fuzzed without touching this file.
// Seed corpora: testdata/fuzz/<target>/.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/nordledger/ledger/httpapi"
	"github.com/nordledger/ledger/httpapi/apidocs"
	"github.com/nordledger/ledger/httpapi/auth"
	"github.com/nordledger/ledger/projections"
)

// auditAdapter serves httpapi.Audit from the audit projection (as ledgerd does).
type auditAdapter struct{ *projections.Audit }

func (a auditAdapter) Query(ctx context.Context, q httpapi.AuditQuery) (httpapi.AuditPage, error) {
	p, err := a.Audit.Query(ctx, projections.AuditQuery{LedgerNo: q.LedgerNo, FromPosition: q.FromPosition, Limit: q.Limit,
		Type: q.Type, Actor: q.Actor, CorrelationID: q.CorrelationID, Since: q.Since, Until: q.Until})
	return httpapi.AuditPage{Events: p.Events, Next: p.Next}, err
}

// routeHarness is the whole API (audit, population register, Connect, the sandbox card verifier)
// over a real store and read
// models, with customer 9999 holding a billing address, KYC answers, a surplus s1 with an order
// and a surplus s2 without.
type routeHarness struct {
	*harness
	orderID string
}

func newRouteHarness(t testing.TB) *routeHarness {
	t.Helper()
	h := &routeHarness{harness: buildHarness(t, true)}
	base := "/ledger/customer/v1/1000/customers"
	for _, rq := range []struct{ method, path, body string }{
		{http.MethodPost, base, validCustomer},
		{http.MethodPost, base + "/9999/billing-address", `{"addressee":"Tolvan Tolvansson","city":"STOCKHOLM","zipCode":"15961","countryCode":"SE"}`},
		{http.MethodPost, base + "/9999/update-kyc-answers", `{"answers":[{"questionCode":"multiple_citizenship","answerCode":"no"},{"questionCode":"occupation","answerCode":"Snickare"}]}`},
		{http.MethodPost, base + "/9999/surpluses", `{"surplusId":"s1","balance":10.00,"currency":"SEK"}`},
		{http.MethodPost, base + "/9999/surpluses", `{"surplusId":"s2","balance":20.00,"currency":"SEK"}`},
		{http.MethodPost, base + "/9999/surpluses/s1/active-disbursement-orders", `{"norwegianBankAccount":{"accountNo":"86011117947"}}`},
	} {
		code, body := h.do(rq.method, rq.path, "application/json", rq.body)
		if code >= 300 {
			t.Fatalf("setting up %s %s: %d %s", rq.method, rq.path, code, body)
		}
		var o struct {
			OrderID string `json:"orderId"`
		}
		if json.Unmarshal([]byte(body), &o) == nil && o.OrderID != "" {
			h.orderID = o.OrderID
		}
	}
	return h
}

// endpoint is one method of one route.
type routeEndpoint struct {
	route  httpapi.Route
	method string
}

// endpoints returns every registered method of every route (HEAD too, where GET is), or only
// those selected by keep.
func (h *routeHarness) endpoints(keep func(method string) bool) []routeEndpoint {
	var out []routeEndpoint
	for _, r := range h.api.LedgerRoutes() {
		ms := slices.Clone(r.Methods)
		if _, ok := r.Scopes[http.MethodGet]; ok {
			ms = append(ms, http.MethodHead)
		}
		for _, m := range ms {
			if keep == nil || keep(m) {
				out = append(out, routeEndpoint{r, m})
			}
		}
	}
	return out
}

// path fills a route's parameters with the harness's resources; the parameter named fuzzed (if
// any) gets value instead, escaped as a path segment.
func (h *routeHarness) path(r httpapi.Route, fuzzed, value string) string {
	ids := map[string]string{"ledgerNo": "1000", "customerNo": "9999", "surplusId": "s1", "orderId": h.orderID}
	p := r.Pattern
	for _, name := range r.Params() {
		v, ok := ids[name]
		if !ok {
			v = "x1" // a parameter of a route added later
		}
		if name == fuzzed {
			v = url.PathEscape(value)
		}
		p = strings.Replace(p, "{"+name+"}", v, 1)
	}
	return p
}

// send sends a request and fails on a 5xx, or a 4xx that is not a problem document; it returns
// the status.
func (h *routeHarness) send(t *testing.T, method, target, contentType, body string) int {
	t.Helper()
	u, err := url.Parse(h.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(method, h.srv.URL, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	path, query, _ := strings.Cut(target, "?")
	req.URL = &url.URL{Scheme: u.Scheme, Host: u.Host, Opaque: "//" + u.Host + path, RawQuery: query}
	req.Header.Set("Authorization", "Bearer "+h.token)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := h.srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	switch {
	case resp.StatusCode >= 500:
		t.Fatalf("%s %q with %q: %d %s", method, target, body, resp.StatusCode, data)
	case resp.StatusCode >= 400 && method != http.MethodHead &&
		(!strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") || !strings.Contains(string(data), `"type":"ledger/customer/v1/problems/`)):
		t.Fatalf("%s %q: %d without a problem document: %s", method, target, resp.StatusCode, data)
	}
	return resp.StatusCode
}

func pick[T any](list []T, i uint16) T { return list[int(i)%len(list)] }

// FuzzRouteBodies sends arbitrary bodies, with arbitrary content types, to every route and
// method that takes one: never a 5xx, every 4xx a problem.
func FuzzRouteBodies(f *testing.F) {
	f.Add(uint16(0), "application/json", validCustomer)
	f.Add(uint16(1), "application/json", `{"emailAddress":null,"msisdn":"+46701234567"}`)
	h := newRouteHarness(f)
	eps := h.endpoints(func(m string) bool { return m != http.MethodGet && m != http.MethodHead })
	for i, ep := range eps { // the disclosure of personal data, with positions of events and beyond
		if strings.HasSuffix(ep.route.Pattern, "/events/personal-data") {
			f.Add(uint16(i), "application/json", `{"positions":[1,2,3,4,5,6,7,99,1]}`)
			f.Add(uint16(i), "application/json", `{"positions":[0,-1,1.5,"1"]}`)
		}
	}
	f.Fuzz(func(t *testing.T, i uint16, contentType, body string) {
		h.t = t
		ep := pick(eps, i)
		if strings.ContainsFunc(contentType, func(r rune) bool { return r < 0x20 || r == 0x7f || r > 0x7e }) {
			contentType = "application/json" // no client can send it
		}
		h.send(t, ep.method, h.path(ep.route, "", ""), contentType, body)
	})
}

// FuzzRoutePaths puts arbitrary values into each path parameter of every route and method: never
// a 5xx, every 4xx a problem.
func FuzzRoutePaths(f *testing.F) {
	f.Add(uint16(0), uint8(1), "9999")
	f.Add(uint16(3), uint8(2), "S1")
	h := newRouteHarness(f)
	eps := h.endpoints(nil)
	f.Fuzz(func(t *testing.T, i uint16, param uint8, value string) {
		h.t = t
		ep := pick(eps, i)
		params := ep.route.Params()
		name := params[int(param)%len(params)]
		body := ""
		if ep.method != http.MethodGet && ep.method != http.MethodHead {
			body = "{}"
		}
		h.send(t, ep.method, h.path(ep.route, name, value), "application/json", body)
	})
}

// FuzzRouteQueries sends arbitrary query strings (sent as they are, unescaped) to every route's
// GET: never a 5xx, every 4xx a problem, and a 400 for a query string that is not URL encoding
// or names a parameter the route's operation does not declare in the OpenAPI document.
func FuzzRouteQueries(f *testing.F) {
	f.Add(uint16(1), "$expand=legaladdress,billingaddress")
	f.Add(uint16(2), "asOfVersion=1")
	f.Add(uint16(12), "type=customercreated") // the ledger's events: a type in another case
	f.Add(uint16(12), "actr=alice")           // a misspelt filter
	f.Add(uint16(3), "$expand=legaladdress")  // another route's parameter
	f.Add(uint16(8), "skip=1&take=1")         // the paging of a list that has none
	h := newRouteHarness(f)
	eps := h.endpoints(func(m string) bool { return m == http.MethodGet })
	f.Fuzz(func(t *testing.T, i uint16, query string) {
		h.t = t
		ep := pick(eps, i)
		if strings.ContainsAny(query, " #\r\n\x00") || !isASCIIPrintable(query) {
			query = url.QueryEscape(query) // what a client library would send
		}
		code := h.send(t, ep.method, h.path(ep.route, "", "")+"?"+query, "", "")
		if refused(query, apidocs.QueryParameters(ep.method, ep.route.Pattern)) && code != http.StatusBadRequest {
			t.Fatalf("GET %s?%s: %d, want 400 (the route declares %q)", ep.route.Pattern, query, code, apidocs.QueryParameters(ep.method, ep.route.Pattern))
		}
	})
}

// refused reports whether a route declaring the query parameters declared must refuse query.
func refused(query string, declared []string) bool {
	values, err := url.ParseQuery(query)
	if err != nil {
		return true
	}
	for name := range values {
		if !slices.ContainsFunc(declared, func(d string) bool { return strings.EqualFold(d, name) }) {
			return true
		}
	}
	return false
}

func isASCIIPrintable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// TestRoutesListed: Routes lists every ledger route with a scope for each method, and the fuzz
// targets see each of them.
func TestRoutesListed(t *testing.T) {
	h := newRouteHarness(t)
	routes := h.api.LedgerRoutes()
	if len(routes) < 15 {
		t.Fatalf("%d routes", len(routes))
	}
	for _, r := range routes {
		if !strings.HasPrefix(r.Pattern, "/ledger/customer/v1/{ledgerNo}/") || len(r.Scopes) == 0 {
			t.Errorf("route %+v", r)
		}
		for m, sc := range r.Scopes {
			if !domainScope(sc) {
				t.Errorf("%s %s: scope %q is not one of auth.AllScopes", m, r.Pattern, sc)
			}
		}
		if got := fmt.Sprint(r.Params()); !strings.HasPrefix(got, "[ledgerNo") {
			t.Errorf("%s: params %s", r.Pattern, got)
		}
	}
}

func domainScope(s string) bool {
	for _, a := range auth.AllScopes {
		if a == s {
			return true
		}
	}
	return false
}
