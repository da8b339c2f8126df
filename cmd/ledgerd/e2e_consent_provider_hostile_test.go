package main

// An external card-verification provider that misbehaves: starting a registration answers 503
// unavailable (with Retry-After), records nothing, and leaves the customer free to start again;
// a client that goes away while the provider is asked leaves nothing half-done.

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

func TestE2ECardVerificationProviderMisbehaving(t *testing.T) {
	var mu sync.Mutex
	var answer http.HandlerFunc
	var credentialElsewhere bool
	provider := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		mu.Lock()
		f := answer
		mu.Unlock()
		f(w, r)
	}))
	t.Cleanup(provider.Close)
	setAnswer := func(f http.HandlerFunc) { mu.Lock(); answer = f; mu.Unlock() }
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		credentialElsewhere = credentialElsewhere || r.Header.Get("Authorization") != ""
		mu.Unlock()
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"reference":"ref-elsewhere","redirectUrl":"https://elsewhere.example/checkout"}`)
	}))
	t.Cleanup(elsewhere.Close)
	created := func(body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusCreated)
			io.WriteString(w, body)
		}
	}
	cases := []struct {
		name   string
		answer http.HandlerFunc
	}{
		{"slow beyond the timeout", func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }},
		{"hanging after the headers", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusCreated)
			io.WriteString(w, `{"reference":`)
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		}},
		{"500", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "oops", http.StatusInternalServerError) }},
		{"401", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "who?", http.StatusUnauthorized) }},
		{"307 to another port", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, elsewhere.URL+"/api/verifications", http.StatusTemporaryRedirect)
		}},
		{"302 loop", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, r.URL.Path, http.StatusFound) }},
		{"malformed JSON", created(`{"reference":`)},
		{"JSON of another shape", created(`{"verification": {"reference": "r", "redirectUrl": "https://p.example/c"}}`)},
		{"an enormous body", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusCreated)
			io.WriteString(w, `{"reference":"r","redirectUrl":"https://p.example/c","padding":"`)
			chunk := strings.Repeat("x", 64<<10)
			for range 64 {
				if _, err := io.WriteString(w, chunk); err != nil {
					return
				}
			}
			io.WriteString(w, `"}`)
		}},
		{"a javascript: redirect", created(`{"reference":"r","redirectUrl":"javascript:alert(1)"}`)},
	}

	secret := "callback-secret-callback-secret-0123456789"
	s := startServer(t, withArgs("-card-verification", provider.URL+"/api", "-card-verification-token", "provider-token",
		"-card-verification-callback-secret", secret, "-public-url", "https://ledger.example", "-card-verification-timeout", "1s"))
	no := "7710"
	s.createCustomer(t, s.token, newCustomer(no, "Provider Outage"))
	start := `{"completeUrl": "` + shopComplete + `", "cancelUrl": "` + shopCancel + `", "language": "sv-SE"}`
	nothingRecorded := func(t *testing.T) {
		t.Helper()
		assertProblem(t, s.do(t, http.MethodGet, registrationPath(demoLedger, no), s.token, nil), http.StatusNotFound, "not-found")
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			setAnswer(c.answer)
			r := rawPost(t, s, registrationPath(demoLedger, no), start)
			if r.Status != http.StatusServiceUnavailable || !strings.Contains(string(r.Body), problemTypePrefix+"unavailable") || r.Header.Get("Retry-After") == "" {
				t.Errorf("%s: %s; want 503 unavailable with Retry-After", c.name, r)
			}
			nothingRecorded(t)
		})
	}
	mu.Lock()
	if credentialElsewhere {
		t.Error("the provider's credential was sent to the redirect's target")
	}
	mu.Unlock()

	// The client goes away while the provider is asked: ledgerd stops asking, records nothing,
	// and the customer may start again.
	asked, gone := make(chan struct{}), make(chan struct{})
	setAnswer(func(w http.ResponseWriter, r *http.Request) {
		close(asked)
		<-r.Context().Done() // ledgerd went away: its request's context ended with the client's
		close(gone)
	})
	req, _ := http.NewRequest(http.MethodPost, s.base+registrationPath(demoLedger, no), strings.NewReader(start))
	req.Header.Set("Authorization", "Bearer "+s.token)
	req.Header.Set("Content-Type", "application/json")
	goneWhile(http.DefaultClient, req, asked)
	<-gone
	nothingRecorded(t)
	setAnswer(created(`{"reference":"ref-after","redirectUrl":"https://provider.example/checkout/after"}`))
	r := s.do(t, http.MethodPost, registrationPath(demoLedger, no), s.token, start)
	expectStatus(t, r, http.StatusOK)
	if got, _ := r.object(t)["redirectUrl"].(string); got != "https://provider.example/checkout/after" {
		t.Errorf("the start after the outage: %s", r)
	}
	if strings.Contains(s.logs.String(), "provider-token") {
		t.Error("the provider's credential is in the log")
	}
}
