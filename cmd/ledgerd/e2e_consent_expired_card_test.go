package main

// An external provider reporting a completed verification of a card (or consent) whose expiry
// month is already over: such a "consent" would never be in force, yet recording it would end
// the registration as Completed and replace the customer's consent in force. It is refused as a
// validation problem naming the dates, and nothing is recorded.

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/nordledger/ledger/httpapi/cardverify"
)

func TestE2ECardVerificationCompletedWithExpiredCard(t *testing.T) {
	provider := &fakeProvider{}
	ps := httptest.NewServer(http.HandlerFunc(provider.handler))
	defer ps.Close()
	secret := []byte("callback-secret-callback-secret-0123456789")
	// 31 March, the last day of a month: a card of 03/2026 is valid through today, 02/2026 is not.
	clock := &testClock{t: time.Date(2026, 3, 31, 23, 0, 0, 0, time.UTC)}
	s := startServer(t, withClock(clock.now), withArgs("-card-verification", ps.URL+"/api", "-card-verification-token", "provider-token",
		"-card-verification-callback-secret", string(secret), "-public-url", "https://ledger.example"))
	no := "7740"
	s.createCustomer(t, s.token, newCustomer(no, "Expired Card"))
	callback := func(result map[string]any) *response {
		t.Helper()
		expectStatus(t, s.do(t, http.MethodPost, registrationPath(demoLedger, no), s.token,
			map[string]any{"completeUrl": shopComplete, "cancelUrl": shopCancel, "language": "en-US"}), http.StatusOK)
		id := provider.last()["registrationId"].(string)
		result["registrationId"], result["reference"] = id, "ref-"+id[:8]
		data, _ := json.Marshal(result)
		return s.do(t, http.MethodPost, cardverify.CallbackPath, "", data, cardverify.SignatureHeader, cardverify.Sign(secret, clock.now(), data))
	}
	card := func(token, cardExpiry, consentExpiry string) map[string]any {
		m := map[string]any{"outcome": "completed", "cardToken": token, "instrumentDisplayName": "551000******1232", "cardExpiryDate": cardExpiry}
		if consentExpiry != "" {
			m["consentExpiryDate"] = consentExpiry
		}
		return m
	}
	// A card valid through this month: the consent is in force.
	good := "2eb28854-07ec-4e88-b672-7c61cc54b461"
	expectStatus(t, callback(card(good, "03/2026", "")), http.StatusNoContent)
	if st := s.registrationStatus(t, no); st != "Completed" {
		t.Fatalf("a card valid through this month: %s", st)
	}
	for _, tt := range []struct {
		name                  string
		cardExpiry, consentEx string
		want                  []string
	}{
		{"card expired last month", "02/2026", "", []string{"cardExpiryDate", "consentExpiryDate"}},
		{"card expired years ago", "01/2020", "", []string{"cardExpiryDate", "consentExpiryDate"}},
		{"consent over although the card is not", "04/2035", "02-2026", []string{"consentExpiryDate"}},
	} {
		r := callback(card("11111111-2222-3333-4444-555555555555", tt.cardExpiry, tt.consentEx))
		assertValidation(t, r, tt.want...)
		// Nothing recorded: the registration is still open, and the consent in force stays.
		if st := s.registrationStatus(t, no); st != "Initialized" {
			t.Errorf("%s: registration %s, want it still Initialized", tt.name, st)
		}
		rc := s.do(t, http.MethodGet, recurringCardPath(demoLedger, no), s.token, nil)
		expectStatus(t, rc, http.StatusOK)
		if got := rc.object(t)["cardToken"]; got != good {
			t.Errorf("%s: the consent in force is now %v, want %s", tt.name, got, good)
		}
		// End the open registration so the next case may start one.
		data, _ := json.Marshal(map[string]any{"registrationId": provider.last()["registrationId"], "reference": "ref-" + provider.last()["registrationId"].(string)[:8], "outcome": "aborted"})
		expectStatus(t, s.do(t, http.MethodPost, cardverify.CallbackPath, "", data, cardverify.SignatureHeader, cardverify.Sign(secret, clock.now(), data)), http.StatusNoContent)
	}
}
