package httpapi_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/httpapi/apidocs"
)

// problemBody is a problem document, or Connect's error response, as far as these tests read it.
type problemBody struct {
	Type     string `json:"type"`
	Problems []struct {
		Name        string `json:"name"`
		Description string `json:"description"`
	} `json:"problems"`
	Errors []struct {
		PropertyName string `json:"propertyName"`
		Message      string `json:"message"`
	} `json:"errors"`
	Items []struct {
		Type string `json:"type"`
	} `json:"items"`
	Navigation map[string]string `json:"navigation"`
}

// named returns what the problem (or Connect error) says about the parameter name ("" when it
// names no such parameter).
func (p problemBody) named(name string) string {
	for _, x := range p.Problems {
		if x.Name == name {
			return x.Description
		}
	}
	for _, x := range p.Errors {
		if x.PropertyName == name {
			return x.Message
		}
	}
	return ""
}

func decodeProblem(t *testing.T, body string) problemBody {
	t.Helper()
	var p problemBody
	if err := json.Unmarshal([]byte(body), &p); err != nil {
		t.Fatalf("%v: %.300s", err, body)
	}
	return p
}

// TestQueryUnknownParameterRefused: on every route and method, a query parameter the OpenAPI
// document does not declare for it is a 400 naming it (Connect's error response on the Connect
// route), and the parameters it declares — in any case — are never refused as unknown.
func TestQueryUnknownParameterRefused(t *testing.T) {
	h := newRouteHarness(t)
	for _, rt := range h.api.Routes() {
		methods := slices.Clone(rt.Methods)
		if slices.Contains(methods, http.MethodGet) {
			methods = append(methods, http.MethodHead)
		}
		for _, m := range methods {
			path := h.path(rt, "", "")
			body := ""
			if m != http.MethodGet && m != http.MethodHead {
				body = "{}"
			}
			code, got := h.do(m, path+"?actr=alice", "application/json", body)
			if code != http.StatusBadRequest {
				t.Errorf("%s %s?actr=alice: %d, want 400: %.200s", m, path, code, got)
				continue
			}
			if m == http.MethodHead {
				continue
			}
			if d := decodeProblem(t, got).named("actr"); !strings.Contains(d, "nknown query parameter") {
				t.Errorf("%s %s?actr=alice: the answer does not name actr as unknown: %s", m, path, got)
			}
			for _, name := range apidocs.QueryParameters(m, rt.Pattern) {
				for _, sent := range []string{name, strings.ToUpper(name)} {
					_, got := h.do(m, path+"?"+sent+"=1", "application/json", body)
					if strings.Contains(got, "nknown query parameter") {
						t.Errorf("%s %s?%s=1: a declared parameter is refused as unknown: %s", m, path, sent, got)
					}
				}
			}
		}
	}
	// A query string that is not URL encoding, and a parameter with no name.
	for _, q := range []string{"%zz=1", "a=%zz", "limit=1;type=x"} {
		code, got := h.do(http.MethodGet, "/ledger/customer/v1/1000/events?"+q, "", "")
		if p := decodeProblem(t, got); code != http.StatusBadRequest || p.named("query") == "" {
			t.Errorf("?%s: %d %s", q, code, got)
		}
	}
	code, got := h.do(http.MethodGet, "/ledger/customer/v1/1000/customers/9999?=x", "", "")
	if p := decodeProblem(t, got); code != http.StatusBadRequest || p.named("(no name)") == "" {
		t.Errorf("?=x: %d %s", code, got)
	}
}

// TestQuerySeedExamples: the PayEx document's queries, as printed and in other cases.
func TestQuerySeedExamples(t *testing.T) {
	h := newRouteHarness(t)
	base := "/ledger/customer/v1/1000"
	for _, q := range []string{
		"/customers/9999?$expand=legaladdress,billingaddress",
		"/customers/9999?$EXPAND=LegalAddress",
		"/customers/9999/surpluses?skip=0",
		"/kyc-questions?language=sv",
		"/Kyc-Questions?Language=sv",
		"/customers/9999/events?FromVersion=2",
	} {
		code, got := h.do(http.MethodGet, base+q, "", "")
		if code != http.StatusOK {
			t.Errorf("GET %s: %d %.300s", q, code, got)
		}
		if strings.Contains(strings.ToLower(q), "expand") && !strings.Contains(got, `"legalAddress":{"addressee"`) {
			t.Errorf("GET %s: the legal address is not expanded: %.300s", q, got)
		}
	}
	// Given twice in two spellings: once too often.
	code, got := h.do(http.MethodGet, base+"/customers/9999/surpluses?skip=0&SKIP=1", "", "")
	if p := decodeProblem(t, got); code != http.StatusBadRequest || !strings.Contains(p.named("skip"), "once") {
		t.Errorf("skip twice: %d %s", code, got)
	}
}

// TestAuditTypeFilter: the type filter is matched case-insensitively, and a type that does not
// exist is a 400 listing the types that do — never an empty page.
func TestAuditTypeFilter(t *testing.T) {
	h := newRouteHarness(t)
	events := "/ledger/customer/v1/1000/events"
	for _, typ := range []string{"CustomerCreated", "customercreated", "CUSTOMERCREATED"} {
		code, got := h.do(http.MethodGet, events+"?limit=1&type="+typ, "", "")
		p := decodeProblem(t, got)
		if code != http.StatusOK || len(p.Items) != 1 || p.Items[0].Type != domain.TypeCustomerCreated {
			t.Errorf("type=%s: %d %.300s", typ, code, got)
		}
		if first := p.Navigation["first"]; first != events+"?limit=1&type=CustomerCreated" {
			t.Errorf("type=%s: first link %q", typ, first)
		}
	}
	for _, typ := range []string{"Nope", "CustomerCreatedd", "Customer Created"} {
		code, got := h.do(http.MethodGet, events+"?type="+strings.ReplaceAll(typ, " ", "+"), "", "")
		d := decodeProblem(t, got).named("type")
		if code != http.StatusBadRequest || !strings.Contains(d, "CustomerCreated") || !strings.Contains(d, "SurplusRegistered") {
			t.Errorf("type=%s: %d %s", typ, code, got)
		}
	}
	code, got := h.do(http.MethodGet, events+"?actr=alice", "", "")
	if p := decodeProblem(t, got); code != http.StatusBadRequest || !strings.Contains(p.named("actr"), "actor") {
		t.Errorf("?actr=alice: %d %s", code, got)
	}
}

// TestTimeWithAnUnencodedPlus: a time whose offset's + was sent unencoded arrives with a space
// in its place (URL query encoding): the 400 says so, on every time parameter.
func TestTimeWithAnUnencodedPlus(t *testing.T) {
	h := newRouteHarness(t)
	h.t = t
	for _, path := range []string{
		"/ledger/customer/v1/1000/events?since=2026-03-01T00:00:00+01:00",
		"/ledger/customer/v1/1000/events?until=2026-03-01T00:00:00+01:00",
		"/ledger/customer/v1/1000/customers/9999?asOf=2026-03-01T00:00:00+01:00",
	} {
		r := h.raw(t, http.MethodGet, path, nil, nil)
		if r.code != http.StatusBadRequest || !strings.Contains(r.body, "%2B") {
			t.Errorf("GET %s: %d %.300s; want 400 saying to send + as %%2B", path, r.code, r.body)
		}
	}
}
