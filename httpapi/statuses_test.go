package httpapi_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nordledger/ledger/httpapi"
	"github.com/nordledger/ledger/httpapi/auth"
	"github.com/nordledger/ledger/internal/contracttest"
)

// TestEveryAnswerIsDocumented walks every route and method the API serves (Server.Routes, so a
// route added later is covered without touching this test) and asks each in every situation a
// request can generically meet — an existing, a forgotten, a missing and a malformed customer,
// surplus and order; another ledger; no token, no scope; an Accept without JSON; a malformed,
// unknown-property, oversized or non-JSON body; a weak If-Match; If-None-Match; bad query
// parameters; a read replica — and validates every answer against the OpenAPI document
// (contracttest): a status, header or body the document does not declare for that operation fails
// the test.
func TestEveryAnswerIsDocumented(t *testing.T) {
	h := newRouteHarness(t)
	// Customer 8888 exists and is forgotten.
	for _, rq := range []struct{ method, path, body string }{
		{http.MethodPost, "/ledger/customer/v1/1000/customers", `{"customerNo":"8888","name":"Forgotten Person",` +
			`"legalAddress":{"addressee":"Forgotten Person","city":"STOCKHOLM","zipCode":"11122","countryCode":"SE"}}`},
		{http.MethodPost, "/ledger/customer/v1/1000/customers/8888/forget", ""},
	} {
		if code, body := h.do(rq.method, rq.path, "application/json", rq.body); code >= 300 {
			t.Fatalf("setting up %s %s: %d %s", rq.method, rq.path, code, body)
		}
	}
	writer := contracttest.Client(t, h.srv.Client())
	replica := buildHarness(t, true, func(c *httpapi.Config) { c.ReadOnly, c.WriterURL = true, "http://writer.example" })
	reader := contracttest.Client(t, replica.srv.Client())

	mint := func(ledgers []string, scopes ...string) string {
		tok, err := auth.MintHS256(testSecret, auth.Claims{Subject: "tester", Ledgers: ledgers, Scopes: scopes, TTL: time.Hour}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	every, everyLedger := h.token, mint([]string{"*"}, auth.AllScopes...)
	kycOnly := mint([]string{"1000"}, auth.ScopeKycWrite)

	oversized := `{"name":"` + strings.Repeat("x", httpapi.DefaultMaxBodyBytes) + `"}`
	badQuery := "skip=-1&take=0&limit=0&fromVersion=0&fromPosition=0&asOfVersion=0&asOf=x&since=x&until=x&$expand=nope&language=xx&type=Nope"
	ask := func(srv *harness, method, target, token, contentType, body string, header ...string) {
		t.Helper()
		req, err := http.NewRequest(method, srv.srv.URL+target, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := srv.srv.Client().Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, target, err)
		}
		resp.Body.Close()
	}

	for _, r := range h.api.Routes() {
		ledger := len(r.Scopes) > 0
		methods := slices.Clone(r.Methods)
		if slices.Contains(methods, http.MethodGet) {
			methods = append(methods, http.MethodHead)
		}
		// The paths: every parameter as the harness holds it, then each varied on its own.
		paths := []string{h.path(r, "", "")}
		variants := map[string][]string{
			"ledgerNo":   {"2000", "x"},
			"customerNo": {"8888", "4799", "x"},
			"surplusId":  {"s9", strings.Repeat("s", 51)},
			"orderId":    {"01900000-0000-7000-8000-000000000000", "nope"},
		}
		for _, p := range r.Params() {
			vs, ok := variants[p]
			if !ok {
				vs = []string{"x1", "nope"} // the card-verification and Connect routes' own ids
			}
			for _, v := range vs {
				paths = append(paths, h.path(r, p, v))
			}
		}
		for _, m := range methods {
			for i, p := range paths {
				existing := i == 0
				if m == http.MethodGet || m == http.MethodHead {
					ask(h.harness, m, p, every, "", "")
					ask(h.harness, m, p+"?"+badQuery, every, "", "")
					ask(h.harness, m, p, every, "", "", "If-None-Match", "*")
					ask(h.harness, m, p, everyLedger, "", "")
					continue
				}
				// Bodies that no route accepts, so the resources of the harness stay as they are;
				// a weak If-Match is refused (412) before the body is read where If-Match is honoured.
				ask(h.harness, m, p, every, "application/json", `{"unknownProperty":1}`)
				ask(h.harness, m, p, every, "application/json", `{`)
				ask(h.harness, m, p, every, "text/plain", `{}`)
				ask(h.harness, m, p, every, "application/json", `{"unknownProperty":1}`, "If-Match", `W/"1"`)
				ask(h.harness, m, p, everyLedger, "application/json", `{`)
				if existing {
					ask(h.harness, m, p, every, "application/json", oversized)
				} else {
					ask(h.harness, m, p, every, "application/json", `{}`) // no resource to change
				}
			}
			if ledger {
				ask(h.harness, m, paths[0], "", "", "")
				ask(h.harness, m, paths[0], kycOnly, "", "")
				ask(h.harness, m, paths[0], "not-a-token", "", "")
				// 406 on the ledger routes:
				ask(h.harness, m, paths[0], every, "application/json", `{"unknownProperty":1}`, "Accept", "application/xml")
				ask(replica, m, paths[0], every, "application/json", `{}`) // a replica: GETs answered, changes 421
			}
		}
		ask(h.harness, http.MethodOptions, paths[0], every, "", "")
	}
	ask(h.harness, http.MethodGet, "/nowhere", every, "", "")
	ask(h.harness, http.MethodGet, "/ledger/customer/v1/1000/"+url.PathEscape("no such route"), every, "", "")

	t.Logf("%d answers validated", writer.Checked()+reader.Checked())
	if n := writer.Checked() + reader.Checked(); n < 1500 {
		t.Errorf("only %d answers validated", n)
	}
}
