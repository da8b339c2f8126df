package cardverify

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nordledger/ledger/httpapi"
)

// TestHTTPStartDoesNotFollowRedirects: a provider answering a start with a redirect answered
// neither 200 nor 201 — "any other status" (docs/consents.md) — so the start fails (503, nothing
// recorded). The redirect is not followed: Go's client would send the bearer credential along to
// the same host name on another port or over plain http, and the body to any host, and take the
// target's answer for the provider's.
func TestHTTPStartDoesNotFollowRedirects(t *testing.T) {
	var asked, withToken atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		if r.Header.Get("Authorization") != "" {
			withToken.Add(1)
		}
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"reference":"r","redirectUrl":"https://evil.example/checkout"}`)
	}))
	t.Cleanup(other.Close)
	v := httpapi.CardVerification{RegistrationID: "Qm9hcmQtcmVnaXN0cmF0aW9u", Language: "en-US", CompleteURL: "https://a.example/", CancelURL: "https://a.example/", ExpiresAt: now}
	for _, status := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		provider := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, other.URL+StartPath, status)
		}))
		h, err := NewHTTP(HTTPConfig{BaseURL: provider.URL, Token: "provider-credential", CallbackSecret: testKey, PublicURL: "https://ledger.example", Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		if s, err := h.Start(context.Background(), v); err == nil {
			t.Errorf("a %d redirect: started %+v", status, s)
		}
		provider.Close()
	}
	if n, tok := asked.Load(), withToken.Load(); n != 0 {
		t.Errorf("the redirect's target was asked %d times, %d of them with the provider's credential", n, tok)
	}
}
