package httpapi_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/httpapi"
)

// TestDisclosuresQueryNamesInAnyCase: the disclosures list reads its query parameters by the
// names query.go matched case-insensitively, as every route does: a misspelt-case limit or after
// is read (and refused when invalid), never ignored for a 200.
func TestDisclosuresQueryNamesInAnyCase(t *testing.T) {
	h := buildHarness(t, true)
	h.mustDo(http.MethodPost, "/ledger/customer/v1/1000/customers", validCustomer, http.StatusCreated)
	for _, q := range []string{"limit=abc", "LIMIT=abc", "Limit=0", "AFTER=-1", "After=x"} {
		code, body := h.do(http.MethodGet, "/ledger/customer/v1/1000/customers/9999/disclosures?"+q, "", "")
		if code != http.StatusBadRequest || !strings.Contains(body, `"validation"`) && !strings.Contains(body, "problems/validation") {
			t.Errorf("GET disclosures?%s: %d %s; want 400 validation", q, code, body)
		}
	}
}

// TestContentEncodingRefused: the service decodes no content coding, so a body sent with one is
// refused with 415 (RFC 9110 §15.5.16), whatever it holds, and changes nothing — a gzip body is
// not told it "is not valid UTF-8", and a plain body labelled gzip is not taken as it is.
func TestContentEncodingRefused(t *testing.T) {
	h := newRouteHarness(t)
	h.t = t
	const path = "/ledger/customer/v1/1000/customers/9999"
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(`{"emailAddress":"gz@example.se"}`))
	zw.Close()
	for _, tc := range []struct{ encoding, body string }{
		{"gzip", gz.String()},
		{"gzip", `{"emailAddress":"plain@example.se"}`},
		{"br", `{"emailAddress":"br@example.se"}`},
		{"x-unknown", `{"emailAddress":"unknown@example.se"}`},
		{"identity, gzip", `{"emailAddress":"list@example.se"}`},
	} {
		before := h.state(t)
		r := h.raw(t, http.MethodPatch, path, map[string]string{"Content-Type": "application/json", "Content-Encoding": tc.encoding}, []byte(tc.body))
		if r.code != http.StatusUnsupportedMediaType || !strings.Contains(r.body, "problems/unsupported-media-type") {
			t.Errorf("PATCH with Content-Encoding %q: %d %s; want 415 unsupported-media-type", tc.encoding, r.code, r.body)
		}
		if after := h.state(t); after != before {
			t.Errorf("PATCH with Content-Encoding %q changed the customer: %v → %v", tc.encoding, before, after)
		}
	}
	r := h.raw(t, http.MethodPost, "/client/v1/1000/products/9000/customerDetails",
		map[string]string{"Content-Type": "application/json", "Content-Encoding": "gzip"}, gz.Bytes())
	if r.code != http.StatusUnsupportedMediaType || !strings.Contains(r.body, "UNSUPPORTED_MEDIA_TYPE") {
		t.Errorf("Connect look-up with Content-Encoding gzip: %d %s; want 415 UNSUPPORTED_MEDIA_TYPE", r.code, r.body)
	}
	for _, enc := range []string{"identity", "Identity"} { // no coding at all
		r := h.raw(t, http.MethodPatch, path, map[string]string{"Content-Type": "application/json", "Content-Encoding": enc}, []byte(`{"emailAddress":"identity@example.se"}`))
		if r.code != http.StatusOK {
			t.Errorf("PATCH with Content-Encoding %q: %d %s; want 200", enc, r.code, r.body)
		}
	}
}

// TestLoneSurrogateEscapesRefused: a \u escape of an unpaired UTF-16 surrogate is not text
// (encoding/json would decode it as U+FFFD, storing something the client never sent), so a body
// holding one is refused like invalid UTF-8, and nothing changes. Pairs are text.
func TestLoneSurrogateEscapesRefused(t *testing.T) {
	h := newRouteHarness(t)
	h.t = t
	const path = "/ledger/customer/v1/1000/customers/9999/legal-address"
	for _, s := range []string{`\ud800`, `\uDBFF`, `\udc00`, `a\ud800b`, `\ud800\u0041`, `\ud800\ud800`, `\udc00\ud800`, `\\\ud800`} {
		body := `{"addressee":"` + s + `","city":"STOCKHOLM","zipCode":"15961","countryCode":"SE"}`
		before := h.state(t)
		r := h.raw(t, http.MethodPut, path, map[string]string{"Content-Type": "application/json"}, []byte(body))
		if r.code != http.StatusBadRequest || !strings.Contains(r.body, "problems/validation") {
			t.Errorf("PUT %s: %d %s; want 400 validation", body, r.code, r.body)
		}
		if after := h.state(t); after != before {
			t.Errorf("PUT %s changed the customer: %v → %v", body, before, after)
		}
	}
	for _, s := range []string{`\ud83d\ude00`, `\\ud800`, `\u00e5`, `\\\\ud800`} { // an emoji as a pair; escaped backslashes
		body := `{"addressee":"A ` + s + `","city":"STOCKHOLM","zipCode":"15961","countryCode":"SE"}`
		if r := h.raw(t, http.MethodPut, path, map[string]string{"Content-Type": "application/json"}, []byte(body)); r.code != http.StatusOK {
			t.Errorf("PUT %s: %d %s; want 200", body, r.code, r.body)
		}
	}
	r := h.raw(t, http.MethodPost, "/client/v1/1000/products/9000/customerDetails",
		map[string]string{"Content-Type": "application/json"}, []byte(`{"countryCode":"SE","values":[{"key":"fiscalNumber","value":"19121212-1212\ud800"}]}`))
	if r.code != http.StatusBadRequest || !strings.Contains(r.body, "INVALID_VALUE") {
		t.Errorf("Connect look-up with a lone surrogate: %d %s; want 400 INVALID_VALUE", r.code, r.body)
	}
}

// advResp is the answer to one request of raw.
type advResp struct {
	code int
	ct   string
	body string
	hdr  http.Header
}

// raw sends a request with the harness's token and the headers given (a value of "\x00delete"
// removes one), the target's path sent as it is, unescaped; a nil body sends none.
func (h *routeHarness) raw(t *testing.T, method, target string, hdr map[string]string, body []byte) advResp {
	t.Helper()
	u, _ := url.Parse(h.srv.URL)
	req, err := http.NewRequest(method, h.srv.URL, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	path, query, _ := strings.Cut(target, "?")
	req.URL = &url.URL{Scheme: u.Scheme, Host: u.Host, Opaque: "//" + u.Host + path, RawQuery: query}
	req.Header.Set("Authorization", "Bearer "+h.token)
	for k, v := range hdr {
		if v == "\x00delete" {
			req.Header.Del(k)
			continue
		}
		req.Header.Set(k, v)
	}
	if body == nil {
		req.Body = nil
		req.ContentLength = 0
	}
	c := *h.srv.Client()
	c.Timeout = 20 * time.Second
	resp, err := c.Do(req)
	if err != nil {
		t.Errorf("%s %s: %v", method, target, err)
		return advResp{code: -1}
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return advResp{resp.StatusCode, resp.Header.Get("Content-Type"), string(data), resp.Header}
}

// advState is what a refused write must leave as it was: customer 9999's ETag and the number
// of events in the ledger.
type advState struct {
	etag   string
	events int
}

// state reads the advState.
func (h *routeHarness) state(t *testing.T) advState {
	t.Helper()
	r := h.raw(t, "GET", "/ledger/customer/v1/1000/customers/9999", nil, nil)
	n := 0
	from := "1"
	for {
		e := h.raw(t, "GET", "/ledger/customer/v1/1000/events?limit=1000&fromPosition="+from, nil, nil)
		var page struct {
			Items      []json.RawMessage
			Navigation struct{ Next string }
		}
		if err := json.Unmarshal([]byte(e.body), &page); err != nil {
			t.Fatalf("events: %d %s", e.code, e.body)
		}
		n += len(page.Items)
		if page.Navigation.Next == "" {
			break
		}
		u, _ := url.Parse(page.Navigation.Next)
		from = u.Query().Get("fromPosition")
	}
	return advState{r.hdr.Get("ETag"), n}
}

// TestConnectSlowBodyIs408: a look-up whose body does not arrive before the server's read
// timeout is told so with 408, as the ledger routes tell it — not 400 INVALID_VALUE, which says
// the request's values are wrong.
func TestConnectSlowBodyIs408(t *testing.T) {
	h := newRouteHarness(t)
	srv := httptest.NewUnstartedServer(h.api)
	srv.Config.ReadTimeout = 200 * time.Millisecond
	srv.Start()
	defer srv.Close()
	for _, path := range []string{"/client/v1/1000/products/9000/customerDetails", "/ledger/customer/v1/1000/find-customer"} {
		// The body's first bytes, then nothing until the answer has come: the server's read
		// timeout is the only thing that can end the request.
		pr, pw := io.Pipe()
		answered := make(chan struct{})
		go func() {
			pw.Write([]byte(`{"countryCode":"SE",`))
			<-answered
			pw.Close()
		}()
		req, err := http.NewRequest(http.MethodPost, srv.URL+path, pr)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+h.token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := srv.Client().Do(req)
		close(answered)
		if err != nil {
			t.Fatalf("POST %s: %v", path, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestTimeout {
			t.Errorf("POST %s with a body that stalls: %d %s; want 408", path, resp.StatusCode, body)
		}
	}
}

// TestPreconditionsOnEveryWrite: every write on a customer honours If-Match and If-None-Match
// against the customer's ETag (RFC 9110 §13.1): a stale If-Match, an If-None-Match naming the
// current ETag, and If-None-Match "*" (the customer exists) are refused with 412 and change
// nothing; an If-None-Match naming another ETag lets the write through. The KYC and surplus
// writes ignored both headers before.
func TestPreconditionsOnEveryWrite(t *testing.T) {
	h := newRouteHarness(t)
	h.t = t
	c := "/ledger/customer/v1/1000/customers/9999"
	writes := []struct{ method, path, body string }{
		{"POST", c + "/update-kyc-answers", `{"answers":[{"questionCode":"multiple_citizenship","answerCode":"yes"},{"questionCode":"citizen_ship_country_codes","answerCode":"SWE"}]}`},
		{"POST", c + "/surpluses", `{"surplusId":"s9","balance":1.00,"currency":"SEK"}`},
		{"POST", c + "/surpluses/s2/settle", `{"amount":1.00}`},
		{"POST", c + "/surpluses/s2/confirm-regulation", ``},
		{"POST", c + "/surpluses/s2/active-disbursement-orders", `{"norwegianBankAccount":{"accountNo":"86011117947"}}`},
		{"POST", c + "/surpluses/s1/active-disbursement-orders/" + h.orderID + "/complete", ``},
		{"PATCH", c, `{"emailAddress":"precondition@example.se"}`},
		{"PUT", c + "/legal-address", `{"addressee":"Tolvan Tolvansson","streetAddress":"Gatan 2","city":"STOCKHOLM","zipCode":"15961","countryCode":"SE"}`},
		{"DELETE", c + "/billing-address", ``},
	}
	send := func(method, path, body string, hdr map[string]string) advResp {
		hdr["Content-Type"] = "application/json"
		var b []byte
		if body != "" {
			b = []byte(body)
		}
		return h.raw(t, method, path, hdr, b)
	}
	for _, w := range writes {
		before := h.state(t)
		for _, hdr := range []map[string]string{
			{"If-Match": `"0"`},
			{"If-None-Match": before.etag},
			{"If-None-Match": `"0", ` + before.etag},
			{"If-None-Match": "*"},
		} {
			r := send(w.method, w.path, w.body, hdr)
			if after := h.state(t); r.code != http.StatusPreconditionFailed || after != before {
				t.Errorf("%s %s with %v: %d %s, %v → %v; want 412 and nothing changed", w.method, w.path, hdr, r.code, r.body, before, after)
			}
		}
	}
	// A precondition that holds lets the write through (the surplus's own rules may then refuse
	// it, but not with 412).
	for _, w := range writes {
		before := h.state(t)
		r := send(w.method, w.path, w.body, map[string]string{"If-None-Match": `"0"`, "If-Match": before.etag})
		if r.code == http.StatusPreconditionFailed || r.code >= 500 {
			t.Errorf("%s %s with If-Match %s and If-None-Match \"0\": %d %s; want the write made", w.method, w.path, before.etag, r.code, r.body)
		}
	}
}

// TestAsOfTheZeroTime: asOf at 0001-01-01T00:00:00Z is an RFC 3339 time, before any customer:
// 404, as any time before the customer's creation — not 400 "must be an RFC 3339 time" (the
// zero time meant "not given" inside). An empty asOf is the 400.
func TestAsOfTheZeroTime(t *testing.T) {
	h := newRouteHarness(t)
	h.t = t
	const path = "/ledger/customer/v1/1000/customers/9999?asOf="
	for q, want := range map[string]int{"0001-01-01T00:00:00Z": http.StatusNotFound, "1999-01-01T00:00:00Z": http.StatusNotFound, "": http.StatusBadRequest} {
		r := h.raw(t, http.MethodGet, path+q, nil, nil)
		if r.code != want {
			t.Errorf("GET ?asOf=%s: %d %s; want %d", q, r.code, r.body, want)
		}
	}
}

// countingVerifier counts the verifications the provider is asked for.
type countingVerifier struct {
	httpapi.CardVerifier
	n *atomic.Int32
}

func (v countingVerifier) Start(ctx context.Context, cv httpapi.CardVerification) (domain.CardVerificationSession, error) {
	v.n.Add(1)
	return v.CardVerifier.Start(ctx, cv)
}

// TestCardRegistrationPreconditionBeforeTheProvider: a card registration whose If-Match or
// If-None-Match fails is refused with 412 before the provider is asked for a verification
// nobody would use.
func TestCardRegistrationPreconditionBeforeTheProvider(t *testing.T) {
	var asked atomic.Int32
	h := buildHarness(t, true, func(cfg *httpapi.Config) { cfg.CardVerifier = countingVerifier{cfg.CardVerifier, &asked} })
	h.mustDo(http.MethodPost, "/ledger/customer/v1/1000/customers", validCustomer, http.StatusCreated)
	path := h.srv.URL + "/ledger/customer/v1/1000/customers/9999/consent/recurring-card-redirect-registration"
	body := `{"completeUrl":"https://shop.example/ok","cancelUrl":"https://shop.example/cancel","language":"en-US"}`
	for _, hdr := range [][2]string{{"If-Match", `"7"`}, {"If-None-Match", `"1"`}, {"If-None-Match", "*"}} {
		req, err := http.NewRequest(http.MethodPost, path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+h.token)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(hdr[0], hdr[1])
		resp, err := h.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusPreconditionFailed {
			t.Errorf("registration with %s: %s; want 412", hdr[0]+": "+hdr[1], resp.Status)
		}
	}
	if n := asked.Load(); n != 0 {
		t.Errorf("the provider was asked for %d verifications by registrations refused for their preconditions", n)
	}
}
