package httpapi_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// TestCardVerificationRoutesWithoutPages: the card-verification routes are served whichever
// provider is configured — a server whose provider serves no pages (here none) answers them
// with a 404 problem, a method a route does not take with a 405 problem naming the allowed ones,
// and paths under /card-verification/ that are no route with a 404 problem. The harness's
// client validates every answer against the OpenAPI document.
func TestCardVerificationRoutesWithoutPages(t *testing.T) {
	h := newHarness(t)
	problem := func(status int, body string) bool {
		return strings.Contains(body, `"type":"ledger/customer/v1/problems/`) && strings.Contains(body, `"status":`+strconv.Itoa(status))
	}
	for _, c := range []struct {
		method, path string
		status       int
	}{
		{http.MethodGet, "/card-verification/sandbox/AAAAAAAAAAAAAAAAAAAAAAAA", http.StatusNotFound},
		{http.MethodPost, "/card-verification/sandbox/AAAAAAAAAAAAAAAAAAAAAAAA", http.StatusNotFound},
		{http.MethodGet, "/card-verification/sandbox/assets/sandbox.css", http.StatusNotFound},
		{http.MethodPost, "/card-verification/callback", http.StatusNotFound},
		{http.MethodPut, "/card-verification/sandbox/AAAAAAAAAAAAAAAAAAAAAAAA", http.StatusMethodNotAllowed},
		{http.MethodPost, "/card-verification/sandbox/assets/sandbox.css", http.StatusMethodNotAllowed},
		{http.MethodGet, "/card-verification/callback", http.StatusMethodNotAllowed},
		{http.MethodGet, "/card-verification/", http.StatusNotFound},
		{http.MethodGet, "/card-verification/sandbox/", http.StatusNotFound},
		{http.MethodGet, "/card-verification/elsewhere", http.StatusNotFound},
	} {
		status, body := h.do(c.method, c.path, "", "")
		if status != c.status || !problem(c.status, body) {
			t.Errorf("%s %s: %d %.200s, want a %d problem", c.method, c.path, status, body, c.status)
		}
	}
	req, _ := http.NewRequest(http.MethodDelete, h.srv.URL+"/card-verification/sandbox/AAAAAAAAAAAAAAAAAAAAAAAA", nil)
	resp, err := h.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("Allow"); got != "GET, HEAD, POST" {
		t.Errorf("Allow %q, want GET, HEAD, POST", got)
	}
}
