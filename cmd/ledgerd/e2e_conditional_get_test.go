package main

// A customer's representation changes with time as well as with its events: the recurring-card
// consent leaves activeConsents when its month is over, and update-kyc-answers joins the
// operations when the answers are due for renewal. The ETag is the stream version, so a
// conditional GET (If-None-Match with the ETag the client holds) must not answer 304 Not
// Modified when the representation has changed since without an event.

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/nordledger/ledger/httpapi/cardverify"
)

func TestE2EConditionalGetSeesTimeDerivedChanges(t *testing.T) {
	provider := &fakeProvider{}
	ps := httptest.NewServer(http.HandlerFunc(provider.handler))
	defer ps.Close()
	secret := []byte("callback-secret-callback-secret-0123456789")
	start := time.Date(2026, 3, 31, 12, 0, 0, 0, time.UTC)
	clock := &testClock{t: start}
	s := startServer(t, withClock(clock.now), withArgs("-card-verification", ps.URL+"/api", "-card-verification-token", "provider-token",
		"-card-verification-callback-secret", string(secret), "-public-url", "https://ledger.example"))
	no := "7760"
	s.createCustomer(t, s.token, newCustomer(no, "Conditional Get"))
	self := customersPath(demoLedger, no)
	expectStatus(t, s.do(t, http.MethodPost, self+"/update-kyc-answers", s.token,
		`{"answers": [{"questionCode": "taxable_outside_sweden", "answerCode": "no"}, {"questionCode": "multiple_citizenship", "answerCode": "no"}]}`),
		http.StatusNoContent)
	expectStatus(t, s.do(t, http.MethodPost, registrationPath(demoLedger, no), s.token,
		map[string]any{"completeUrl": shopComplete, "cancelUrl": shopCancel, "language": "en-US"}), http.StatusOK)
	id := provider.last()["registrationId"].(string)
	data, _ := json.Marshal(map[string]any{"registrationId": id, "reference": "ref-" + id[:8], "outcome": "completed",
		"cardToken": "2eb28854-07ec-4e88-b672-7c61cc54b461", "instrumentDisplayName": "551000******1232", "cardExpiryDate": "03/2026"})
	expectStatus(t, s.do(t, http.MethodPost, cardverify.CallbackPath, "", data, cardverify.SignatureHeader, cardverify.Sign(secret, clock.now(), data)),
		http.StatusNoContent)

	type view struct {
		ActiveConsents []string `json:"activeConsents"`
		Operations     []struct{ Rel string }
	}
	get := func(etag string) (*response, view) {
		t.Helper()
		var headers []string
		if etag != "" {
			headers = []string{"If-None-Match", etag}
		}
		r := s.do(t, http.MethodGet, self, s.token, nil, headers...)
		var v view
		if r.Status == http.StatusOK {
			if err := json.Unmarshal(r.Body, &v); err != nil {
				t.Fatal(err)
			}
		}
		return r, v
	}
	r, v := get("")
	etag := r.Header.Get("ETag")
	if !slices.Equal(v.ActiveConsents, []string{"RecurringCard"}) {
		t.Fatalf("with the consent in force: activeConsents %v", v.ActiveConsents)
	}
	// Nothing changed yet: 304.
	if r, _ := get(etag); r.Status != http.StatusNotModified {
		t.Fatalf("unchanged: %s, want 304", r)
	}
	// The consent's month is over: activeConsents has changed, the version has not.
	clock.set(time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC))
	r, v = get(etag)
	if r.Status != http.StatusOK || len(v.ActiveConsents) != 0 {
		t.Fatalf("after the consent expired, GET with If-None-Match %s: %s; want 200 with no active consents", etag, r)
	}
	if r.Header.Get("ETag") != etag {
		t.Errorf("ETag %s, want %s (no event)", r.Header.Get("ETag"), etag)
	}
	// The KYC answers are due for renewal a year after they were given: the operation appears.
	clock.set(start.AddDate(1, 0, 1))
	r, v = get(etag)
	if r.Status != http.StatusOK || !slices.ContainsFunc(v.Operations, func(o struct{ Rel string }) bool { return o.Rel == "update-kyc-answers" }) {
		t.Fatalf("with the answers due for renewal, GET with If-None-Match %s: %s; want 200 offering update-kyc-answers", etag, r)
	}
}
