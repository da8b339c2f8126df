package main

// Helpers of the consent tests: the registration routes and the sandbox page driven over plain
// HTTP, as a browser would (a cookie jar; redirects not followed, so the test sees where the
// page sends the browser).

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/nordledger/ledger/internal/contracttest"
)

const (
	// docCardNumber is the sandbox's test card whose masked number is the document's example.
	docCardNumber = "5510000000001232"
	// declinedCardNumber is the sandbox's declined test card.
	declinedCardNumber = "4000000000000002"
	// docCardExpiry gives the document's card expiry, 04/2035.
	docCardExpiry = "04/35"
)

// registrationPath returns the recurring-card-redirect-registration resource of a customer.
func registrationPath(ledgerNo, no string) string {
	return customersPath(ledgerNo, no, "consent", "recurring-card-redirect-registration")
}

// recurringCardPath returns the recurring-card resource of a customer.
func recurringCardPath(ledgerNo, no string) string {
	return customersPath(ledgerNo, no, "consent", "recurring-card")
}

// startRegistration starts a registration (200) and returns its redirect URL.
func (s *testServer) startRegistration(t testing.TB, no, completeURL, cancelURL, language string) string {
	t.Helper()
	r := s.do(t, http.MethodPost, registrationPath(demoLedger, no), s.token,
		map[string]any{"completeUrl": completeURL, "cancelUrl": cancelURL, "language": language})
	expectStatus(t, r, http.StatusOK)
	u, _ := r.object(t)["redirectUrl"].(string)
	if !strings.HasPrefix(u, s.base+"/card-verification/sandbox/") {
		t.Fatalf("redirectUrl %q is not the sandbox page of %s", u, s.base)
	}
	return u
}

// registrationStatus returns the status of a customer's registration.
func (s *testServer) registrationStatus(t testing.TB, no string) string {
	t.Helper()
	r := s.do(t, http.MethodGet, registrationPath(demoLedger, no), s.token, nil)
	expectStatus(t, r, http.StatusOK)
	st, _ := r.object(t)["status"].(string)
	return st
}

// pageResponse is a response of the sandbox page.
type pageResponse struct {
	Status   int
	Header   http.Header
	Body     string
	Location string
}

// sandboxBrowser is a browser without a browser: it keeps cookies and does not follow redirects.
// Its exchanges are validated against the OpenAPI document like every test client's.
type sandboxBrowser struct {
	t      testing.TB
	client *http.Client
}

func newSandboxBrowser(t testing.TB) *sandboxBrowser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	contracttest.Client(t, client)
	return &sandboxBrowser{t: t, client: client}
}

func (b *sandboxBrowser) send(req *http.Request) pageResponse {
	b.t.Helper()
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return pageResponse{Status: resp.StatusCode, Header: resp.Header, Body: string(body), Location: resp.Header.Get("Location")}
}

// open GETs a page.
func (b *sandboxBrowser) open(u string) pageResponse {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.send(req)
}

var tokenRE = regexp.MustCompile(`name="token" value="([^"]+)"`)

// formToken returns the form token of a page.
func formToken(t testing.TB, page pageResponse) string {
	t.Helper()
	m := tokenRE.FindStringSubmatch(page.Body)
	if m == nil {
		t.Fatalf("the page (%d) has no form token:\n%s", page.Status, page.Body)
	}
	return m[1]
}

// post submits a page's form with the fields (name/value pairs) and extra headers.
func (b *sandboxBrowser) post(u string, fields url.Values, headers ...string) pageResponse {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(fields.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return b.send(req)
}

// verify opens the page and submits a card (action verify) or cancels (pan ""), returning the
// form's response.
func (b *sandboxBrowser) verify(u, pan, expiry, cvc string) pageResponse {
	b.t.Helper()
	page := b.open(u)
	if page.Status != http.StatusOK {
		b.t.Fatalf("GET %s: %d\n%s", u, page.Status, page.Body)
	}
	fields := url.Values{"token": {formToken(b.t, page)}, "action": {"verify"}, "pan": {pan}, "expiry": {expiry}, "cvc": {cvc}}
	if pan == "" {
		fields = url.Values{"token": {formToken(b.t, page)}, "action": {"cancel"}}
	}
	return b.post(u, fields)
}

// expectRedirect checks that a form's response sends the browser to want (303 See Other).
func expectRedirect(t testing.TB, what string, r pageResponse, want string) {
	t.Helper()
	if r.Status != http.StatusSeeOther || r.Location != want {
		t.Fatalf("%s: %d Location %q, want 303 to %q\n%s", what, r.Status, r.Location, want, r.Body)
	}
}
