package main

// A population register service that misbehaves in every way the outside can: both routes that
// read it answer 503 unavailable (with Retry-After) — never a 5xx of another kind, never a hang
// past the register's timeout — change nothing, and log no personal data.

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// hostileRegister is a register service whose answer a test switches.
type hostileRegister struct {
	mu     sync.Mutex
	answer http.HandlerFunc
}

func (h *hostileRegister) set(f http.HandlerFunc) { h.mu.Lock(); h.answer = f; h.mu.Unlock() }

func (h *hostileRegister) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	f := h.answer
	h.mu.Unlock()
	io.Copy(io.Discard, r.Body)
	f(w, r)
}

// tolvanFromRegister is Tolvan as a register service answers (another street than the customer's).
const tolvanFromRegister = `{"nationalIdentifier": {"regNo": "` + tolvan + `", "countryCode": "SE"}, "name": "Tolvan Tolvansson",
 "address": {"addressee": "Tolvan Tolvansson", "streetAddress": "Registervägen 1", "city": "STOCKHOLM", "zipCode": "11111", "countryCode": "SE"}}`

func TestE2EPopulationRegisterMisbehaving(t *testing.T) {
	reg := &hostileRegister{}
	register := httptest.NewServer(reg)
	t.Cleanup(register.Close)
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("the register's redirect was followed to %s", r.URL)
		io.WriteString(w, tolvanFromRegister)
	}))
	t.Cleanup(elsewhere.Close)
	tlsRegister := httptest.NewTLSServer(reg) // a certificate ledgerd does not trust

	json200 := func(body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, body)
		}
	}
	hang := func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() } // until ledgerd gives up
	cases := []struct {
		name   string
		answer http.HandlerFunc
	}{
		{"slow beyond the timeout", hang},
		{"hanging after the headers", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusOK)
			io.WriteString(w, `{"nationalIdentifier": `)
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		}},
		{"500", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "oops", http.StatusInternalServerError) }},
		{"400", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "bad", http.StatusBadRequest) }},
		{"401", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "who?", http.StatusUnauthorized) }},
		{"307 to another host", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, elsewhere.URL+"/lookup", http.StatusTemporaryRedirect)
		}},
		{"302 to itself", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, r.URL.Path, http.StatusFound) }},
		{"malformed JSON", json200(`{"nationalIdentifier": `)},
		{"JSON of another shape", json200(`{"person": ` + tolvanFromRegister + `}`)},
		{"a JSON array", json200(`[` + tolvanFromRegister + `]`)},
		{"null", json200(`null`)},
		{"an enormous body", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, strings.TrimSuffix(tolvanFromRegister, "}")+`, "padding": "`)
			chunk := strings.Repeat("x", 64<<10)
			for range 64 { // 4 MiB, far over the 64 KiB bound
				if _, err := io.WriteString(w, chunk); err != nil {
					return
				}
			}
			io.WriteString(w, `"}`)
		}},
		{"HTML", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, "<html><body>Tolvan Tolvansson</body></html>")
		}},
		{"another person", json200(strings.ReplaceAll(tolvanFromRegister, tolvan, protectedPerson))},
		{"an invalid person", json200(strings.Replace(tolvanFromRegister, `"zipCode": "11111"`, `"zipCode": "1111"`, 1))},
		{"a Norwegian person flagged protected", json200(`{"nationalIdentifier": {"regNo": "` + norwegianPerson + `", "countryCode": "NO"}, "name": "Ola Nordmann", "protectedIdentity": true,
		  "address": {"addressee": "Ola Nordmann", "city": "OSLO", "zipCode": "0154", "countryCode": "NO"}}`)},
		{"protectedIdentity true and false", json200(strings.TrimSuffix(tolvanFromRegister, "}") + `, "protectedIdentity": true, "protectedIdentity": false}`)},
	}

	s := startServer(t, withArgs("-population-register", register.URL+"/lookup", "-population-register-timeout", "1s"))
	reg.set(json200(tolvanFromRegister))
	body := newCustomer("9999", "Tolvan Tolvansson")
	body["nationalIdentifier"] = map[string]any{"regNo": tolvan, "countryCode": "SE"}
	s.createCustomer(t, s.token, body)
	update := customersPath(demoLedger, "9999", "legal-address", relFromRegister)
	generate := "/ledger/customer/v1/" + demoLedger + "/generate-consumer-customer-by-reg-no"
	legal := customersPath(demoLedger, "9999", "legal-address")
	tag := s.do(t, http.MethodGet, legal, s.token, nil).Header.Get("ETag")

	check := func(t *testing.T, s *testServer, what string) {
		t.Helper()
		for _, r := range []*response{
			rawPost(t, s, update, `{}`),
			rawPost(t, s, generate, `{"customerNo": "9997", "nationalIdentifier": {"regNo": "`+unregisteredPersonnummer+`", "countryCode": "SE"}}`),
			rawPost(t, s, generate, `{"customerNo": "9996", "nationalIdentifier": {"regNo": "`+norwegianPerson+`", "countryCode": "NO"}}`),
		} {
			if r.Status != http.StatusServiceUnavailable || !strings.Contains(string(r.Body), problemTypePrefix+"unavailable") || r.Header.Get("Retry-After") == "" {
				t.Errorf("%s: %s; want 503 unavailable with Retry-After", what, r)
			}
		}
		for _, no := range []string{"9997", "9996"} {
			assertProblem(t, s.do(t, http.MethodGet, customersPath(demoLedger, no), s.token, nil), http.StatusNotFound, "customer-not-found")
		}
		if got := s.do(t, http.MethodGet, legal, s.token, nil).Header.Get("ETag"); got != tag {
			t.Errorf("%s: the legal address changed (ETag %s → %s)", what, tag, got)
		}
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			reg.set(c.answer)
			check(t, s, c.name)
		})
	}
	logs := s.logs.String()
	for _, personal := range []string{tolvan, "191212121212", "Tolvan", "Registervägen", norwegianPerson, "Nordmann", protectedPerson} {
		if strings.Contains(logs, personal) {
			t.Errorf("the log holds personal data (%q)", personal)
		}
	}

	// A register at an https URL whose certificate ledgerd does not trust is not asked.
	reg.set(json200(tolvanFromRegister))
	s.stop(t)
	s.args = append(s.args, "-population-register", tlsRegister.URL+"/lookup")
	s.start(t)
	check(t, s, "untrusted certificate")
	tlsRegister.Close()
}

// TestE2EGenerateAsksTheRegisterLast: a generate the ledger refuses anyway — the customer number
// or the national identifier is taken (409, as create answers) — is refused before the register
// is asked: the identifier is not sent to the register for nothing, and an unavailable register
// does not turn the refusal into a 503.
func TestE2EGenerateAsksTheRegisterLast(t *testing.T) {
	var mu sync.Mutex
	asked := 0
	register := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		asked++
		mu.Unlock()
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
	}))
	t.Cleanup(register.Close)
	s := startServer(t, withArgs("-population-register", register.URL+"/lookup"))
	body := newCustomer("9999", "Tolvan Tolvansson")
	body["nationalIdentifier"] = map[string]any{"regNo": tolvan, "countryCode": "SE"}
	s.createCustomer(t, s.token, body)
	generate := "/ledger/customer/v1/" + demoLedger + "/generate-consumer-customer-by-reg-no"
	for _, tt := range []struct{ what, body, detail string }{
		{"customerNo taken", `{"customerNo": "9999", "nationalIdentifier": {"regNo": "` + norwegianPerson + `", "countryCode": "NO"}}`, "customerNo"},
		{"nationalIdentifier taken", `{"customerNo": "9998", "nationalIdentifier": {"regNo": "191212121212", "countryCode": "SE"}}`, "nationalIdentifier"},
	} {
		r := rawPost(t, s, generate, tt.body)
		if r.Status != http.StatusConflict || !strings.Contains(string(r.Body), problemTypePrefix+"conflict") || !strings.Contains(string(r.Body), tt.detail) {
			t.Errorf("%s: %s; want 409 conflict naming %s", tt.what, r, tt.detail)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if asked != 0 {
		t.Errorf("the register was asked %d times for generates refused anyway", asked)
	}
}
