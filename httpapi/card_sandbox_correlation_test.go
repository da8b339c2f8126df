package httpapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
)

// TestSandboxResultCarriesTheFormsCorrelationID pins what the documents promise of correlation
// ids (openapi.yaml's X-Correlation-ID header, docs/audit.md) for the card registration's result
// recorded by the sandbox form: the event carries the correlation id of the request that caused
// it — the form's POST: the X-Correlation-ID it sent, or one generated when it sent none — and
// that request's answer echoes the same id.
func TestSandboxResultCarriesTheFormsCorrelationID(t *testing.T) {
	for _, sent := range []string{"browser-ticket-4711", ""} {
		h := buildHarness(t, true)
		h.mustDo(http.MethodPost, "/ledger/customer/v1/1000/customers", validCustomer, http.StatusCreated)
		start := h.mustDo(http.MethodPost, base+"/consent/recurring-card-redirect-registration",
			`{"completeUrl":"https://shop.example/done","cancelUrl":"https://shop.example/cancel","language":"en-US"}`, http.StatusOK)
		u, err := url.Parse(start["redirectUrl"].(string))
		if err != nil {
			t.Fatal(err)
		}
		jar, _ := cookiejar.New(nil)
		browser := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := browser.Get(h.srv.URL + u.Path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		tok := sandboxTokenRE.FindStringSubmatch(string(body))
		if tok == nil {
			t.Fatalf("the page: %d %s", resp.StatusCode, body)
		}
		req, _ := http.NewRequest(http.MethodPost, h.srv.URL+u.Path, strings.NewReader(url.Values{"token": {tok[1]}, "action": {"cancel"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if sent != "" {
			req.Header.Set("X-Correlation-ID", sent)
		}
		resp, err = browser.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		echoed := resp.Header.Get("X-Correlation-ID")
		if resp.StatusCode != http.StatusSeeOther || echoed == "" || sent != "" && echoed != sent {
			t.Fatalf("the form (X-Correlation-ID %q): %d, echoed %q", sent, resp.StatusCode, echoed)
		}
		_, trail := h.do(http.MethodGet, base+"/events", "", "")
		var events struct {
			Items []struct{ Type, CorrelationID string }
		}
		if err := json.Unmarshal([]byte(trail), &events); err != nil || len(events.Items) == 0 {
			t.Fatalf("the trail: %v %s", err, trail)
		}
		last := events.Items[len(events.Items)-1]
		if last.Type != "RecurringCardRegistrationAborted" || last.CorrelationID != echoed {
			t.Errorf("the result recorded by the form (X-Correlation-ID %q, echoed %q): %s with correlation id %q, want the echoed one",
				sent, echoed, last.Type, last.CorrelationID)
		}
	}
}
