package httpapi_test

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/httpapi"
)

// TestPreconditionsOnEveryWrite: every write on a customer honours If-Match and If-None-Match
// against the customer's ETag (RFC 9110 §13.1): a stale If-Match, an If-None-Match naming the
// current ETag, and If-None-Match "*" (the customer exists) are refused with 412 and change
// nothing; an If-None-Match naming another ETag lets the write through. The KYC and surplus
// writes ignored both headers before.
func TestPreconditionsOnEveryWrite(t *testing.T) {
	h := newRouteHarness(t)
	h.t = t
	c := "/ledger/customer/v1/1000/customers/9999"
	writes := []struct{ method, path, body string }{
		{"POST", c + "/update-kyc-answers", `{"answers":[{"questionCode":"multiple_citizenship","answerCode":"yes"},{"questionCode":"citizen_ship_country_codes","answerCode":"SWE"}]}`},
		{"POST", c + "/surpluses", `{"surplusId":"s9","balance":1.00,"currency":"SEK"}`},
		{"POST", c + "/surpluses/s2/settle", `{"amount":1.00}`},
		{"POST", c + "/surpluses/s2/confirm-regulation", ``},
		{"POST", c + "/surpluses/s2/active-disbursement-orders", `{"norwegianBankAccount":{"accountNo":"86011117947"}}`},
		{"POST", c + "/surpluses/s1/active-disbursement-orders/" + h.orderID + "/complete", ``},
		{"PATCH", c, `{"emailAddress":"precondition@example.se"}`},
		{"PUT", c + "/legal-address", `{"addressee":"Tolvan Tolvansson","streetAddress":"Gatan 2","city":"STOCKHOLM","zipCode":"15961","countryCode":"SE"}`},
		{"DELETE", c + "/billing-address", ``},
	}
	send := func(method, path, body string, hdr map[string]string) advResp {
		hdr["Content-Type"] = "application/json"
		var b []byte
		if body != "" {
			b = []byte(body)
		}
		return h.raw(t, method, path, hdr, b)
	}
	for _, w := range writes {
		before := h.state(t)
		for _, hdr := range []map[string]string{
			{"If-Match": `"0"`},
			{"If-None-Match": before.etag},
			{"If-None-Match": `"0", ` + before.etag},
			{"If-None-Match": "*"},
		} {
			r := send(w.method, w.path, w.body, hdr)
			if after := h.state(t); r.code != http.StatusPreconditionFailed || after != before {
				t.Errorf("%s %s with %v: %d %s, %v → %v; want 412 and nothing changed", w.method, w.path, hdr, r.code, r.body, before, after)
			}
		}
	}
	// A precondition that holds lets the write through (the surplus's own rules may then refuse
	// it, but not with 412).
	for _, w := range writes {
		before := h.state(t)
		r := send(w.method, w.path, w.body, map[string]string{"If-None-Match": `"0"`, "If-Match": before.etag})
		if r.code == http.StatusPreconditionFailed || r.code >= 500 {
			t.Errorf("%s %s with If-Match %s and If-None-Match \"0\": %d %s; want the write made", w.method, w.path, before.etag, r.code, r.body)
		}
	}
}

// countingVerifier counts the verifications the provider is asked for.
type countingVerifier struct {
	httpapi.CardVerifier
	n *atomic.Int32
}

func (v countingVerifier) Start(ctx context.Context, cv httpapi.CardVerification) (domain.CardVerificationSession, error) {
	v.n.Add(1)
	return v.CardVerifier.Start(ctx, cv)
}

// TestCardRegistrationPreconditionBeforeTheProvider: a card registration whose If-Match or
// If-None-Match fails is refused with 412 before the provider is asked for a verification
// nobody would use.
func TestCardRegistrationPreconditionBeforeTheProvider(t *testing.T) {
	var asked atomic.Int32
	h := buildHarness(t, true, func(cfg *httpapi.Config) { cfg.CardVerifier = countingVerifier{cfg.CardVerifier, &asked} })
	h.mustDo(http.MethodPost, "/ledger/customer/v1/1000/customers", validCustomer, http.StatusCreated)
	path := h.srv.URL + "/ledger/customer/v1/1000/customers/9999/consent/recurring-card-redirect-registration"
	body := `{"completeUrl":"https://shop.example/ok","cancelUrl":"https://shop.example/cancel","language":"en-US"}`
	for _, hdr := range [][2]string{{"If-Match", `"7"`}, {"If-None-Match", `"1"`}, {"If-None-Match", "*"}} {
		req, err := http.NewRequest(http.MethodPost, path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+h.token)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(hdr[0], hdr[1])
		resp, err := h.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusPreconditionFailed {
			t.Errorf("registration with %s: %s; want 412", hdr[0]+": "+hdr[1], resp.Status)
		}
	}
	if n := asked.Load(); n != 0 {
		t.Errorf("the provider was asked for %d verifications by registrations refused for their preconditions", n)
	}
}
