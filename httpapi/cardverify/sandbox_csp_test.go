package cardverify

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/nordledger/ledger/domain"
)

// TestSandboxFormActionSources: the page's form-action names each redirect URL by a source a
// browser accepts — scheme://host[:port] when a CSP host-source can spell the host, the scheme
// otherwise — so that the redirect after the form is never blocked (the browser test
// TestE2ESandboxRedirectsToAnyAcceptedHost shows it in Chromium).
func TestSandboxFormActionSources(t *testing.T) {
	for _, c := range []struct{ complete, cancel, want string }{
		{"https://shop.example/done?o=1", "https://shop.example/cancel", "form-action 'self' https://shop.example;"},
		{"https://Shop.Example:8443/done", "http://other.example/", "form-action 'self' https://Shop.Example:8443 http://other.example;"},
		{"https://shop.example:/done", "https://shop.example/c", "form-action 'self' https://shop.example;"},
		{"https://shop.example/done", "https://my_shop.example/c", "form-action 'self' https://shop.example https:;"},
		{"https://my_shop.example/done", "https://shop.example/c", "form-action 'self' https: https://shop.example;"},
		{"http://[::1]:8080/done", "https://bücher.example/c", "form-action 'self' http: https:;"},
	} {
		for _, u := range []string{c.complete, c.cancel} {
			if p := domain.RedirectURLProblem(u); p != "" {
				t.Fatalf("%s: the API would refuse it (%s): not a case", u, p)
			}
		}
		w := httptest.NewRecorder()
		(&sandboxPages{}).securityHeaders(w, &domain.CardRegistration{CompleteURL: c.complete, CancelURL: c.cancel})
		if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, c.want) {
			t.Errorf("%s, %s: Content-Security-Policy %q, want %q", c.complete, c.cancel, csp, c.want)
		}
	}
}
