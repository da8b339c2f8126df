package httpapi_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/nordledger/ledger/httpapi"
)

// TestReplicaChangesNothing walks every route and method a read replica serves (Server.Routes,
// so routes added later are covered) with a token holding every scope and a body: every method
// that does not only read is answered 421 read-only-replica naming the writer — the
// card-verification pages 307 to the writer with the same path (a 307 keeps the method
// and the body) — or, without a writer's URL, 421 too. Nothing is answered 2xx except the reads.
func TestReplicaChangesNothing(t *testing.T) {
	for _, writerURL := range []string{"http://writer.example", ""} {
		replica := buildHarness(t, true, func(c *httpapi.Config) { c.ReadOnly, c.WriterURL = true, writerURL })
		client := replica.srv.Client()
		client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		for _, r := range replica.api.Routes() {
			for _, m := range r.Methods {
				scope, ledger := r.Scopes[m]
				if m == http.MethodGet || ledger && (scope == "customer:read" || scope == "audit:read") {
					continue // reads
				}
				target := r.Pattern
				for _, p := range r.Params() {
					v := map[string]string{"ledgerNo": "1000", "customerNo": "4711", "surplusId": "s1",
						"orderId": "01900000-0000-7000-8000-000000000000"}[p]
					if v == "" {
						v = "x1"
					}
					target = strings.Replace(target, "{"+p+"}", v, 1)
				}
				req, err := http.NewRequest(m, replica.srv.URL+target, strings.NewReader(`{"name":"x"}`))
				if err != nil {
					t.Fatal(err)
				}
				req.Header.Set("Authorization", "Bearer "+replica.token)
				req.Header.Set("Content-Type", "application/json")
				resp, err := client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				cardPage := strings.HasPrefix(r.Pattern, "/card-verification/")
				switch {
				case cardPage && writerURL != "":
					if resp.StatusCode != http.StatusTemporaryRedirect || resp.Header.Get("Location") != writerURL+target {
						t.Errorf("%s %s on a replica: %d Location %q, want 307 to %s", m, target, resp.StatusCode, resp.Header.Get("Location"), writerURL+target)
					}
				case resp.StatusCode != http.StatusMisdirectedRequest:
					t.Errorf("%s %s on a replica (writer %q): %d %s, want 421", m, target, writerURL, resp.StatusCode, body)
				case writerURL != "" && !strings.Contains(string(body), writerURL):
					t.Errorf("%s %s on a replica: the 421 does not name the writer: %s", m, target, body)
				}
			}
		}
	}
}
