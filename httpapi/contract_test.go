package httpapi_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/nordledger/ledger/internal/contracttest"
)

// TestRoutesMatchOpenAPI: every route the router serves is described in the OpenAPI document
// with the same methods, and every path the document describes is served. A new route fails
// this test until it is added to httpapi/apidocs/openapi.yaml; the messages name what is
// missing on which side.
func TestRoutesMatchOpenAPI(t *testing.T) {
	h := newHarness(t)
	doc := contracttest.MustLoad(t).T
	served := map[string][]string{}
	for _, r := range h.api.Routes() {
		if _, dup := served[r.Pattern]; dup {
			t.Errorf("route %s is registered twice", r.Pattern)
		}
		served[r.Pattern] = slices.Sorted(slices.Values(r.Methods))
	}
	if len(served) < 20 {
		t.Fatalf("Routes() lists %d routes: the router's registrations are not recorded", len(served))
	}
	documented := map[string][]string{}
	for path, item := range doc.Paths.Map() {
		var methods []string
		for m := range item.Operations() {
			methods = append(methods, strings.ToUpper(m))
		}
		documented[path] = slices.Sorted(slices.Values(methods))
	}
	for pattern, methods := range served {
		want, ok := documented[pattern]
		switch {
		case !ok:
			t.Errorf("served but not in openapi.yaml: %s %s", strings.Join(methods, ","), pattern)
		case !slices.Equal(methods, want):
			t.Errorf("%s: served methods %v, documented %v", pattern, methods, want)
		}
	}
	for path, methods := range documented {
		if _, ok := served[path]; !ok {
			t.Errorf("in openapi.yaml but not served: %s %s", strings.Join(methods, ","), path)
		}
	}
	// The harness's client validates what it receives.
	before := h.contract.Checked()
	if status, body := h.do(http.MethodGet, "/openapi.json", "", ""); status != http.StatusOK || !strings.Contains(body, `"openapi":"3.1.0"`) {
		t.Errorf("GET /openapi.json: %d %.200s", status, body)
	}
	if h.contract.Checked() != before+1 {
		t.Errorf("the harness's client validated %d exchanges for one request", h.contract.Checked()-before)
	}
	for _, path := range []string{"/asyncapi.json", "/docs", "/metrics", "/healthz"} {
		if status, body := h.do(http.MethodGet, path, "", ""); status != http.StatusOK && !(path == "/metrics" && status == http.StatusNotFound) {
			t.Errorf("GET %s: %d %.200s", path, status, body)
		}
	}
}

// TestContractValidatorCatchesMismatches: the validating transport is not vacuous — a response
// that breaks its schema, lacks a declared header, has an undocumented status or an undocumented
// path is reported.
func TestContractValidatorCatchesMismatches(t *testing.T) {
	v := contracttest.New(contracttest.MustLoad(t))
	get := func(path string) *http.Request {
		r, _ := http.NewRequest(http.MethodGet, "http://ledger.test"+path, nil)
		return r
	}
	// Every response carries the correlation id and the trace response; every answer of a ledger
	// route (and every problem) says Cache-Control: no-store.
	sent := func(contentType string) http.Header {
		return http.Header{"Content-Type": {contentType}, "X-Correlation-Id": {"c-1"},
			"Traceresponse": {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}, "Cache-Control": {"no-store"}}
	}
	json, problem := sent("application/json"), sent("application/problem+json")
	withoutNoStore := func(h http.Header) http.Header {
		h = h.Clone()
		h.Del("Cache-Control")
		return h
	}
	cases := []struct {
		name   string
		req    *http.Request
		status int
		header http.Header
		body   string
		ok     bool
	}{
		{"a valid customer", get("/ledger/customer/v1/1000/customers/9999"), 200, json,
			`{"@id":"/x","customerNo":"9999","name":"N","protectedIdentity":false,"legalStatus":"active","activeConsents":[],"surpluses":"/x/surpluses","operations":[]}`, true},
		{"no correlation id and trace response", get("/ledger/customer/v1/1000/customers/9999"), 200, http.Header{"Content-Type": {"application/json"}},
			`{"@id":"/x","customerNo":"9999","name":"N","protectedIdentity":false,"legalStatus":"active","activeConsents":[],"surpluses":"/x/surpluses","operations":[]}`, false},
		{"a ledger answer that may be stored", get("/ledger/customer/v1/1000/customers/9999"), 200, withoutNoStore(json),
			`{"@id":"/x","customerNo":"9999","name":"N","protectedIdentity":false,"legalStatus":"active","activeConsents":[],"surpluses":"/x/surpluses","operations":[]}`, false},
		{"an undocumented property", get("/ledger/customer/v1/1000/customers/9999"), 200, json,
			`{"@id":"/x","customerNo":"9999","name":"N","protectedIdentity":false,"legalStatus":"active","activeConsents":[],"surpluses":"/x/surpluses","operations":[],"secret":1}`, false},
		{"a missing required property", get("/ledger/customer/v1/1000/customers/9999"), 200, json, `{"@id":"/x"}`, false},
		{"an undocumented status", get("/ledger/customer/v1/1000/customers/9999"), 418, problem,
			`{"type":"ledger/customer/v1/problems/x","title":"x","status":418}`, false},
		{"a problem that is not one", get("/ledger/customer/v1/1000/customers/9999"), 404, problem, `{"status":404}`, false},
		{"an unknown path answered 404", get("/nowhere"), 404, problem, `{"type":"ledger/customer/v1/problems/not-found","title":"Not found","status":404}`, true},
		{"an unknown path answered 200", get("/nowhere"), 200, json, `{}`, false},
	}
	for _, c := range cases {
		before := len(v.Failures())
		v.Check(c.req, nil, c.status, c.header, []byte(c.body))
		if got := len(v.Failures()) == before; got != c.ok {
			t.Errorf("%s: passed = %v, want %v (failures: %v)", c.name, got, c.ok, v.Failures()[before:])
		}
	}
}

// TestRouteScopesMatchOpenAPI: the scope each ledger endpoint enforces (Route.Scopes, which the
// scope matrix in cmd/ledgerd holds the server to over HTTP) is exactly the one its operation's
// security requirement declares; an operation of another route declares none or, for the Connect
// look-up (which checks its scope itself: TestBearerChallenges), customer:read.
func TestRouteScopesMatchOpenAPI(t *testing.T) {
	h := newHarness(t)
	doc := contracttest.MustLoad(t).T
	checked := 0
	for _, r := range h.api.Routes() {
		item := doc.Paths.Find(r.Pattern)
		if item == nil {
			continue // TestRoutesMatchOpenAPI reports it
		}
		for _, m := range r.Methods {
			op := item.GetOperation(m)
			if op == nil {
				continue
			}
			var declared []string
			if op.Security != nil {
				for _, req := range *op.Security {
					declared = append(declared, req["bearer"]...)
				}
			}
			var want []string
			switch scope, ok := r.Scopes[m]; {
			case ok:
				want = []string{scope}
			case strings.HasPrefix(r.Pattern, "/client/v1/"):
				want = []string{"customer:read"}
			}
			if !slices.Equal(declared, want) {
				t.Errorf("%s %s: openapi.yaml declares scopes %q, the server enforces %q", m, r.Pattern, declared, want)
			}
			checked++
		}
	}
	if checked < 40 {
		t.Errorf("only %d operations compared", checked)
	}
}
