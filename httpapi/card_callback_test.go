package httpapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/httpapi"
	"github.com/nordledger/ledger/httpapi/cardverify"
	"github.com/nordledger/ledger/internal/app"
)

// lagFinish executes every command with the real handler and then reports a recorded card
// verification result as the handler does while the read models cannot show it: stored, with
// an error matching eventstore.ErrNotApplied.
type lagFinish struct {
	httpapi.Commands
	lagging *atomic.Bool
}

func (c lagFinish) Execute(ctx context.Context, ledgerNo, customerNo string, ifMatch app.Match, meta app.Meta, decide app.Decision) (app.Result, error) {
	res, err := c.Commands.Execute(ctx, ledgerNo, customerNo, ifMatch, meta, decide)
	if err != nil || meta.Command != "finishCardRegistration" || !c.lagging.Load() {
		return res, err
	}
	return res, &eventstore.NotAppliedError{Position: res.Position, Err: errors.New("the read models cannot be written (test)")}
}

// providerRegistration starts a registration of customer 9999 at a provider over HTTP (the
// harness's Commands wrapped by lagFinish) and returns the harness, the lag switch, and a function
// that sends the provider's signed callback with body fields.
func providerRegistration(t *testing.T) (*harness, *atomic.Bool, func(fields string) (int, string)) {
	var started atomic.Value // the registration id the provider was asked to verify
	provider := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var start struct {
			RegistrationID string `json:"registrationId"`
		}
		_ = json.NewDecoder(r.Body).Decode(&start)
		started.Store(start.RegistrationID)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		w.Write([]byte(`{"reference":"ref-1","redirectUrl":"https://provider.example/checkout/1"}`))
	}))
	defer provider.Close()
	secret := []byte("callback-secret-callback-secret-0123456789")
	var lagging atomic.Bool
	h := buildHarness(t, true, func(cfg *httpapi.Config) {
		v, err := cardverify.NewHTTP(cardverify.HTTPConfig{BaseURL: provider.URL, Token: "t", CallbackSecret: secret,
			PublicURL: "https://ledger.example"})
		if err != nil {
			t.Fatal(err)
		}
		cfg.CardVerifier = v
		cfg.Commands = lagFinish{cfg.Commands, &lagging}
	})
	if code, b := h.do(http.MethodPost, "/ledger/customer/v1/1000/customers", "application/json", validCustomer); code != http.StatusCreated {
		t.Fatalf("create: %d %s", code, b)
	}
	path := "/ledger/customer/v1/1000/customers/9999/consent/recurring-card-redirect-registration"
	code, b := h.do(http.MethodPost, path, "application/json",
		`{"completeUrl":"https://shop.example/done","cancelUrl":"https://shop.example/cancel","language":"sv-SE"}`)
	if code != http.StatusOK {
		t.Fatalf("start: %d %s", code, b)
	}
	id, _ := started.Load().(string)
	if id == "" {
		t.Fatal("the provider was not asked to start a verification")
	}
	callback := func(fields string) (int, string) {
		body := `{"registrationId":"` + id + `","reference":"ref-1",` + fields + `}`
		req, _ := http.NewRequest(http.MethodPost, h.srv.URL+cardverify.CallbackPath, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(cardverify.SignatureHeader, cardverify.Sign(secret, time.Now(), []byte(body)))
		resp, err := h.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(data)
	}
	return h, &lagging, callback
}

// TestCallbackStoredWhileReadModelsLag: a provider's callback whose result is stored while the
// read models lag is not told "the result could not be recorded" (it was): it gets the 503 every
// route gives then ("read before retrying"), and its retry meets the recorded result: 204.
func TestCallbackStoredWhileReadModelsLag(t *testing.T) {
	_, lagging, callback := providerRegistration(t)
	const aborted = `"outcome":"aborted","reason":"cancelled"`
	lagging.Store(true)
	code, b := callback(aborted)
	if code != http.StatusServiceUnavailable || !strings.Contains(b, "read before retrying") || strings.Contains(b, "could not be recorded") {
		t.Errorf("a callback stored while the read models lag: %d %s; want 503 timeout, read before retrying", code, b)
	}
	lagging.Store(false)
	if code, b = callback(aborted); code != http.StatusNoContent {
		t.Errorf("the provider's retry: %d %s; want 204 (the result recorded before)", code, b)
	}
}

// TestCallbackCompletedRetriedWithAnotherCard: a provider's retry of a completion is answered 204
// (recorded before), but a completion naming another card than the one recorded is a conflict:
// it was answered 204 too, saying "recorded" while the first card stayed registered.
func TestCallbackCompletedRetriedWithAnotherCard(t *testing.T) {
	h, _, callback := providerRegistration(t)
	completed := func(card string) string {
		return `"outcome":"completed","cardToken":"` + card + `","instrumentDisplayName":"551000******1232","cardExpiryDate":"04/2035","consentExpiryDate":"04-2035"`
	}
	first, other := "2eb28854-07ec-4e88-b672-7c61cc54b461", "7f3c1a52-9d4e-4b1a-8c2f-0e6d5a4b3c21"
	if code, b := callback(completed(first)); code != http.StatusNoContent {
		t.Fatalf("the completion: %d %s", code, b)
	}
	if code, b := callback(completed(first)); code != http.StatusNoContent {
		t.Errorf("its retry: %d %s; want 204", code, b)
	}
	if code, b := callback(completed(other)); code != http.StatusConflict {
		t.Errorf("a completion naming another card: %d %s; want 409", code, b)
	}
	code, b := h.do(http.MethodGet, "/ledger/customer/v1/1000/customers/9999/consent/recurring-card", "", "")
	if code != http.StatusOK || !strings.Contains(b, first) || strings.Contains(b, other) {
		t.Errorf("the consent: %d %s; want the first card", code, b)
	}
}
