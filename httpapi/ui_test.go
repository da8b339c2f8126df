package httpapi_test

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/nordledger/ledger/httpapi/auditui"
)

// TestAuditPageFiles: the audit page's files are served without a token, with the security
// headers, revalidated by ETag; they hold no data; anything else under /ui/ is a problem.
func TestAuditPageFiles(t *testing.T) {
	h := newHarness(t)
	get := func(method, path string, header ...string) *http.Response {
		t.Helper()
		req, err := http.NewRequest(method, h.srv.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := h.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}
	// A customer exists: nothing of it may be in the page's files.
	if code, body := h.do(http.MethodPost, "/ledger/customer/v1/1000/customers", "application/json", validCustomer); code != http.StatusCreated {
		t.Fatalf("create: %d %s", code, body)
	}
	for path, ctype := range map[string]string{
		"/ui/":        "text/html; charset=utf-8",
		"/ui/app.js":  "text/javascript; charset=utf-8",
		"/ui/app.css": "text/css; charset=utf-8",
	} {
		resp := get(http.MethodGet, path)
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != ctype || len(body) == 0 {
			t.Errorf("GET %s: %d %s, %d bytes", path, resp.StatusCode, resp.Header.Get("Content-Type"), len(body))
		}
		for name, want := range map[string]string{
			"Content-Security-Policy": auditui.ContentSecurityPolicy,
			"X-Content-Type-Options":  "nosniff",
			"X-Frame-Options":         "DENY",
			"Referrer-Policy":         "no-referrer",
			"Cache-Control":           "no-cache",
		} {
			if got := resp.Header.Get(name); got != want {
				t.Errorf("GET %s: %s %q, want %q", path, name, got, want)
			}
		}
		for _, data := range []string{"9999", "Tolvan", "19121212"} {
			if strings.Contains(string(body), data) {
				t.Errorf("GET %s holds %q", path, data)
			}
		}
		etag := resp.Header.Get("ETag")
		if r := get(http.MethodGet, path, "If-None-Match", etag); etag == "" || r.StatusCode != http.StatusNotModified {
			t.Errorf("GET %s with If-None-Match %s: %d", path, etag, r.StatusCode)
		}
		if r := get(http.MethodHead, path); r.StatusCode != http.StatusOK {
			t.Errorf("HEAD %s: %d", path, r.StatusCode)
		}
	}
	for _, directive := range []string{"script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "default-src 'none'"} {
		if !strings.Contains(auditui.ContentSecurityPolicy, directive) {
			t.Errorf("the policy lacks %s", directive)
		}
	}
	if strings.Contains(auditui.ContentSecurityPolicy, "unsafe-") {
		t.Errorf("the policy allows something unsafe: %s", auditui.ContentSecurityPolicy)
	}
	// The page has no inline script or style, and loads nothing from elsewhere.
	page := get(http.MethodGet, "/ui/")
	html, _ := io.ReadAll(page.Body)
	for _, bad := range []string{"<script>", "style=", "<style", "http://", "https://"} {
		if strings.Contains(string(html), bad) {
			t.Errorf("the page holds %q", bad)
		}
	}
	if handler := regexp.MustCompile(`\son[a-z]+\s*=`).Find(html); handler != nil {
		t.Errorf("the page holds an inline event handler: %s", handler)
	}

	for _, tt := range []struct {
		method, path string
		status       int
		problem      string
	}{
		{http.MethodGet, "/ui/nothing.js", http.StatusNotFound, "not-found"},
		{http.MethodGet, "/ui/static/app.js", http.StatusNotFound, "not-found"},
		{http.MethodPost, "/ui/", http.StatusMethodNotAllowed, "method-not-allowed"},
		{http.MethodDelete, "/ui/app.js", http.StatusMethodNotAllowed, "method-not-allowed"},
	} {
		resp := get(tt.method, tt.path)
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != tt.status || resp.Header.Get("Content-Type") != "application/problem+json" || !strings.Contains(string(body), "problems/"+tt.problem) {
			t.Errorf("%s %s: %d %s %s", tt.method, tt.path, resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
		if resp.Header.Get("Content-Security-Policy") == "" {
			t.Errorf("%s %s: no Content-Security-Policy", tt.method, tt.path)
		}
	}
	if r := get(http.MethodPost, "/ui/"); r.Header.Get("Allow") != "GET, HEAD" {
		t.Errorf("POST /ui/: Allow %q", r.Header.Get("Allow"))
	}
	// /ui redirects to the page.
	client := *h.srv.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := client.Get(h.srv.URL + "/ui")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 3 || resp.Header.Get("Location") != "/ui/" {
		t.Errorf("GET /ui: %d Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}
