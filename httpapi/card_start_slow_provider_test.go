package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nordledger/ledger/httpapi"
	"github.com/nordledger/ledger/httpapi/cardverify"
)

// TestStartAnsweredAfterTheExpiryTime: a provider that answers a start only after the
// registration's expiry time (it was told the time; the clock passes it while it works) leaves
// nothing to start: the answer is the 503 of a provider that could not be used, and nothing is
// recorded — not a 200 "Initialized" with a redirectUrl for a registration every read shows
// Aborted (expired) from the moment it is recorded. A new start then succeeds at once.
func TestStartAnsweredAfterTheExpiryTime(t *testing.T) {
	var mu sync.Mutex
	now := time.Now().UTC()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	var slow bool
	provider := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		if slow {
			now = now.Add(2 * time.Minute) // the provider works past the registration's one-minute life
		}
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		w.Write([]byte(`{"reference":"ref-1","redirectUrl":"https://provider.example/checkout/1"}`))
	}))
	defer provider.Close()
	h := buildHarness(t, false, func(cfg *httpapi.Config) {
		v, err := cardverify.NewHTTP(cardverify.HTTPConfig{BaseURL: provider.URL, Token: "t",
			CallbackSecret: []byte("callback-secret-callback-secret-0123456789"), PublicURL: "https://ledger.example"})
		if err != nil {
			t.Fatal(err)
		}
		cfg.CardVerifier, cfg.CardRegistrations = v, cfg.Customers.(httpapi.CardRegistrationIndex)
		cfg.Now, cfg.CardRegistrationTTL = clock, time.Minute
	})
	if code, b := h.do(http.MethodPost, "/ledger/customer/v1/1000/customers", "application/json", validCustomer); code != http.StatusCreated {
		t.Fatalf("create: %d %s", code, b)
	}
	const path = "/ledger/customer/v1/1000/customers/9999/consent/recurring-card-redirect-registration"
	const start = `{"completeUrl":"https://shop.example/done","cancelUrl":"https://shop.example/cancel","language":"en-US"}`
	mu.Lock()
	slow = true
	mu.Unlock()
	if code, b := h.do(http.MethodPost, path, "application/json", start); code != http.StatusServiceUnavailable {
		t.Errorf("a start the provider answered after its expiry time: %d %s; want 503, nothing recorded", code, b)
	}
	if code, b := h.do(http.MethodGet, path, "", ""); code != http.StatusNotFound {
		t.Errorf("the registration after it: %d %s; want 404 (none recorded)", code, b)
	}
	mu.Lock()
	slow = false
	mu.Unlock()
	if code, b := h.do(http.MethodPost, path, "application/json", start); code != http.StatusOK || !strings.Contains(b, `"status":"Initialized"`) {
		t.Errorf("the start again: %d %s; want 200 Initialized", code, b)
	}
}
