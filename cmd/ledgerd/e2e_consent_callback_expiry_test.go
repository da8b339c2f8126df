package main

// An external provider's callback that arrives after its registration expired: the expiry is
// recorded (Aborted, reason expired) and the provider is told so — 409, the first time and on
// every retry alike (docs/consents.md) — unless it reported exactly that end.

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/nordledger/ledger/httpapi/cardverify"
)

func TestE2ECardVerificationCallbackAfterExpiry(t *testing.T) {
	provider := &fakeProvider{}
	ps := httptest.NewServer(http.HandlerFunc(provider.handler))
	defer ps.Close()
	secret := []byte("callback-secret-callback-secret-0123456789")
	start := time.Now().UTC().Truncate(time.Second)
	clock := &testClock{t: start}
	s := startServer(t, withClock(clock.now), withArgs("-card-verification", ps.URL+"/api", "-card-verification-token", "provider-token",
		"-card-verification-callback-secret", string(secret), "-public-url", "https://ledger.example", "-card-registration-ttl", "10m"))
	for i, tt := range []struct {
		result map[string]any
		want   int
	}{
		{map[string]any{"outcome": "completed", "cardToken": "2eb28854-07ec-4e88-b672-7c61cc54b461", "instrumentDisplayName": "551000******1232", "cardExpiryDate": "04/2035"}, http.StatusConflict},
		{map[string]any{"outcome": "failed", "reason": "declined"}, http.StatusConflict},
		{map[string]any{"outcome": "aborted"}, http.StatusConflict}, // cancelled: not how it ended
		{map[string]any{"outcome": "aborted", "reason": "cancelled"}, http.StatusConflict},
		{map[string]any{"outcome": "aborted", "reason": "expired"}, http.StatusNoContent}, // exactly how it ended
	} {
		clock.set(start)
		no := []string{"7730", "7731", "7732", "7733", "7734"}[i]
		s.createCustomer(t, s.token, newCustomer(no, "Expired Callback"))
		expectStatus(t, s.do(t, http.MethodPost, registrationPath(demoLedger, no), s.token,
			map[string]any{"completeUrl": shopComplete, "cancelUrl": shopCancel, "language": "en-US"}), http.StatusOK)
		id := provider.last()["registrationId"].(string)
		clock.set(start.Add(10 * time.Minute))
		tt.result["registrationId"], tt.result["reference"] = id, "ref-"+id[:8]
		data, _ := json.Marshal(tt.result)
		for _, attempt := range []string{"first", "retry"} {
			r := s.do(t, http.MethodPost, cardverify.CallbackPath, "", data, cardverify.SignatureHeader, cardverify.Sign(secret, clock.now(), data))
			if r.Status != tt.want {
				t.Errorf("%s after expiry, %s: %s; want %d", data, attempt, r, tt.want)
			}
		}
		if st := s.registrationStatus(t, no); st != "Aborted" {
			t.Errorf("%s after expiry: status %s, want Aborted", data, st)
		}
	}
}
