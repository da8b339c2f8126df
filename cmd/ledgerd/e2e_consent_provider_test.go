package main

// The HTTP adapter to an external card-verification provider: ledgerd starts verifications at a
// provider over HTTP with its credential, and records results from signed callbacks.

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nordledger/ledger/httpapi/cardverify"
)

// fakeProvider is an external card-verification provider: it answers starts with a checkout URL
// of its own, or with a failure when told to.
type fakeProvider struct {
	mu       sync.Mutex
	starts   []map[string]any
	auth     []string
	status   int    // the answer's status (0: 201)
	redirect string // the answer's redirectUrl ("": the checkout URL)
}

func (p *fakeProvider) handler(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if r.Method != http.MethodPost || r.URL.Path != "/api/verifications" {
		http.NotFound(w, r)
		return
	}
	var body map[string]any
	data, _ := io.ReadAll(r.Body)
	_ = json.Unmarshal(data, &body)
	p.starts = append(p.starts, body)
	p.auth = append(p.auth, r.Header.Get("Authorization"))
	if p.status != 0 {
		w.WriteHeader(p.status)
		return
	}
	redirect := p.redirect
	if redirect == "" {
		redirect = "https://ecom.externalintegration.payex.com/checkout/abc123"
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	json.NewEncoder(w).Encode(map[string]string{"reference": "ref-" + body["registrationId"].(string)[:8], "redirectUrl": redirect})
}

func (p *fakeProvider) set(status int, redirect string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.status, p.redirect = status, redirect
}

func (p *fakeProvider) last() map[string]any {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.starts[len(p.starts)-1]
}

func TestE2ECardVerificationOverHTTP(t *testing.T) {
	provider := &fakeProvider{}
	ps := httptest.NewServer(http.HandlerFunc(provider.handler))
	defer ps.Close()
	secret := []byte("callback-secret-callback-secret-0123456789")
	s := startServer(t, withArgs("-card-verification", ps.URL+"/api", "-card-verification-token", "provider-token",
		"-card-verification-callback-secret", string(secret), "-public-url", "https://ledger.example"))
	no := "7700"
	s.createCustomer(t, s.token, newCustomer(no, "Provider Test"))
	v := defaultVars(s.token, "consumer")
	v.CustomerNo = no

	// The document's start example: the redirect URL is the provider's checkout.
	r := s.sendDocRequest(t, "start-recurring-card-registration.http", v)
	_, want := docResponse(t, "start-recurring-card-registration.response.http", v)
	want["@id"] = registrationPath(demoLedger, no)
	expectStatus(t, r, http.StatusOK)
	assertContainsJSON(t, "start at the provider", want, r.object(t))
	start := provider.last()
	id, _ := start["registrationId"].(string)
	if provider.auth[0] != "Bearer provider-token" || len(id) != 24 || start["language"] != "en-US" ||
		start["completeUrl"] != "https://www.google.com/search?q=cancelurl" || start["cancelUrl"] != "https://www.google.com/search?q=completeurl" ||
		start["callbackUrl"] != "https://ledger.example/card-verification/callback" || start["expiresAt"] == nil {
		t.Fatalf("the provider was asked %v with %q", start, provider.auth[0])
	}
	// A second start while this one is active is refused before the provider is asked.
	assertProblem(t, s.sendDocRequest(t, "start-recurring-card-registration.http", v), http.StatusConflict, "conflict")
	provider.mu.Lock()
	if n := len(provider.starts); n != 1 {
		t.Errorf("the provider was asked %d times, want once", n)
	}
	provider.mu.Unlock()
	r = s.sendDocRequest(t, "get-recurring-card-registration.http", v)
	_, want = docResponse(t, "get-recurring-card-registration.response.http", v)
	assertContainsJSON(t, "GET registration", want, r.object(t))

	callback := func(body map[string]any, signedAt time.Time, key []byte) *response {
		t.Helper()
		data, _ := json.Marshal(body)
		var headers []string
		if key != nil {
			headers = []string{cardverify.SignatureHeader, cardverify.Sign(key, signedAt, data)}
		}
		return s.do(t, http.MethodPost, cardverify.CallbackPath, "", data, headers...)
	}
	ref := "ref-" + id[:8]
	done := map[string]any{"registrationId": id, "reference": ref, "outcome": "completed", "cardToken": "2eb28854-07ec-4e88-b672-7c61cc54b461",
		"instrumentDisplayName": "551000******1232", "cardExpiryDate": "04/2035", "consentExpiryDate": "04-2035"}
	now := time.Now()
	assertProblem(t, callback(done, now, nil), http.StatusUnauthorized, "unauthorized")
	assertProblem(t, callback(done, now, []byte("another-secret-another-secret-0123456789")), http.StatusUnauthorized, "unauthorized")
	assertProblem(t, callback(done, now.Add(-10*time.Minute), secret), http.StatusUnauthorized, "unauthorized")
	wrongRef := map[string]any{"registrationId": id, "reference": "ref-other", "outcome": "aborted"}
	assertProblem(t, callback(wrongRef, now, secret), http.StatusNotFound, "not-found")
	bad := map[string]any{"registrationId": id, "reference": ref, "outcome": "completed", "instrumentDisplayName": "5510000000001232"}
	assertValidation(t, callback(bad, now, secret), "cardToken", "instrumentDisplayName", "cardExpiryDate")
	r = s.do(t, http.MethodPost, cardverify.CallbackPath, "", `{"registrationId": "x", "unknown": 1}`,
		cardverify.SignatureHeader, cardverify.Sign(secret, now, []byte(`{"registrationId": "x", "unknown": 1}`)))
	assertValidation(t, r, "body")
	if st := s.registrationStatus(t, no); st != "Initialized" {
		t.Fatalf("after refused callbacks: %s", st)
	}

	r = callback(done, now, secret)
	expectStatus(t, r, http.StatusNoContent)
	if st := s.registrationStatus(t, no); st != "Completed" {
		t.Fatalf("after the callback: %s", st)
	}
	r = s.sendDocRequest(t, "get-recurring-card.http", v)
	_, want = docResponse(t, "get-recurring-card.response.http", v)
	assertContainsJSON(t, "the provider's consent, as the document shows it", want, r.object(t))
	// A retry of the same result is taken; another result is a conflict.
	expectStatus(t, callback(done, now, secret), http.StatusNoContent)
	assertProblem(t, callback(map[string]any{"registrationId": id, "reference": ref, "outcome": "failed", "reason": "declined"}, now, secret),
		http.StatusConflict, "conflict")

	// A provider that fails, or answers a redirect URL no browser should follow: 503, nothing
	// recorded.
	body := `{"completeUrl": "` + shopComplete + `", "cancelUrl": "` + shopCancel + `", "language": "da-DK"}`
	unavailable := func(what string) {
		t.Helper()
		r := rawPost(t, s, registrationPath(demoLedger, no), body) // rawPost: a 503 is expected here
		if r.Status != http.StatusServiceUnavailable || !strings.Contains(string(r.Body), problemTypePrefix+"unavailable") || r.Header.Get("Retry-After") == "" {
			t.Errorf("%s: %s, want 503 unavailable with Retry-After", what, r)
		}
	}
	provider.set(http.StatusInternalServerError, "")
	unavailable("provider failing")
	provider.set(0, "javascript:alert(1)")
	unavailable("provider answering a javascript: URL")
	ps.Close()
	unavailable("provider down")
	// No sandbox page with an external provider.
	assertProblem(t, s.do(t, http.MethodGet, "/card-verification/sandbox/"+id, "", nil), http.StatusNotFound, "not-found")

	s.stop(t)
	events := streamEvents(readEvents(t, s.dir), demoLedger, no)
	want2 := []string{"CustomerCreated", "RecurringCardRegistrationStarted", "RecurringCardRegistrationCompleted"}
	if got := eventTypes(events); !slices.Equal(got, want2) {
		t.Fatalf("events %v, want %v", got, want2)
	}
	if !strings.Contains(string(events[1].Data), `"provider":"http","providerReference":"`+ref+`"`) || events[2].Actor != "card-verification/http" {
		t.Errorf("started %s; completed by %q", events[1].Data, events[2].Actor)
	}
	if !strings.Contains(s.logs.String(), "card-verification provider unavailable") {
		t.Error("the provider's failure was not logged")
	}
}
