package httpapi_test

import (
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strings"
	"testing"

	"github.com/nordledger/ledger/httpapi"
)

// TestNonCanonicalPathsAreProblems: a path with "." or ".." segments or an empty segment ("//")
// is answered with a 404 problem on every route — the ledger routes, the Connect look-up, the
// audit page under /ui/, the API documents, /metrics and the health routes — never with the
// redirect to the cleaned path that Go's ServeMux sends (which turned
// /ledger/customer/v1/1000/customers/../../../../etc/passwd into Location: /ledger/etc/passwd).
func TestNonCanonicalPathsAreProblems(t *testing.T) {
	h := buildHarness(t, true)
	client := *h.srv.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	fill := strings.NewReplacer("{ledgerNo}", "1000", "{customerNo}", "9999", "{merchantId}", "1000", "{paymentProductId}", "9000")
	var paths []string
	for _, r := range h.api.Routes() {
		base := fill.Replace(r.Pattern)
		for strings.Contains(base, "{") { // any other parameter
			i, j := strings.Index(base, "{"), strings.Index(base, "}")
			base = base[:i] + "x" + base[j+1:]
		}
		trimmed := strings.TrimSuffix(base, "/")
		paths = append(paths,
			trimmed+"/../../../../etc/passwd",
			trimmed+"/..",
			trimmed+"/.",
			trimmed+"/./",
			trimmed+"/x/../",
			trimmed+"/%2e%2e/x",
			"/"+base,
			strings.Replace(trimmed, "/", "//", 2),
			trimmed+"//",
			"/."+base,
		)
	}
	paths = append(paths, "/ledger/customer/v1/1000/customers/../../../../etc/passwd", "//", "/./", "/..", "/ledger/./customer/v1/1000/customers/9999")
	for _, p := range paths {
		for _, method := range []string{http.MethodGet, http.MethodPost, http.MethodHead} {
			req, err := http.NewRequest(method, h.srv.URL+p, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+h.token)
			resp, err := client.Do(req)
			if err != nil {
				t.Fatalf("%s %s: %v", method, p, err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusNotFound || resp.Header.Get("Location") != "" {
				t.Errorf("%s %s: %d (Location %q), want 404 without a redirect", method, p, resp.StatusCode, resp.Header.Get("Location"))
				continue
			}
			if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "application/problem+json" {
				t.Errorf("%s %s: Content-Type %q, want a problem", method, p, resp.Header.Get("Content-Type"))
				continue
			}
			if method == http.MethodHead {
				continue
			}
			var pr httpapi.Problem
			if err := json.Unmarshal(body, &pr); err != nil || pr.Type != httpapi.ProblemTypePrefix+"not-found" || pr.Detail == "" {
				t.Errorf("%s %s: %s, want a not-found problem with a detail", method, p, body)
			}
		}
	}
}
