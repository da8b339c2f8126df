package httpapi_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/httpapi"
	"github.com/nordledger/ledger/httpapi/cardverify"
	"github.com/nordledger/ledger/internal/app"
	"github.com/nordledger/ledger/internal/contracttest"
)

// refuseFinish refuses the card-verification result, when set, as the domain refuses one it finds
// not valid: a validation error with the given problems, nothing recorded.
type refuseFinish struct {
	httpapi.Commands
	problems *atomic.Pointer[[]domain.Problem]
}

func (c refuseFinish) Execute(ctx context.Context, ledgerNo, customerNo string, ifMatch app.Match, meta app.Meta, decide app.Decision) (app.Result, error) {
	if ps := c.problems.Load(); ps != nil && meta.Command == "finishCardRegistration" {
		return app.Result{}, domain.ValidationError(*ps...)
	}
	return c.Commands.Execute(ctx, ledgerNo, customerNo, ifMatch, meta, decide)
}

var sandboxErrorRE = regexp.MustCompile(`<p class="error" id="([a-z]+)-error"[^>]*>([^<]*)</p>`)

// TestSandboxFormNamesWhyTheResultWasRefused: the sandbox form whose result the ledger refuses
// (a validation error of the finish step, nothing recorded) shows the form again with the reason
// of each kind of refusal: the card's expiry month over (it ended between reading the form and
// recording), the consent's expiry month over, anything else a refusal that does not blame the
// card's date. Before, every such refusal was shown as "the card has expired".
func TestSandboxFormNamesWhyTheResultWasRefused(t *testing.T) {
	var refuse atomic.Pointer[[]domain.Problem]
	h := buildHarness(t, false, func(cfg *httpapi.Config) {
		sandbox, err := cardverify.NewSandbox(cardverify.SandboxConfig{BaseURL: "http://127.0.0.1:1", Key: testSecret})
		if err != nil {
			t.Fatal(err)
		}
		cfg.CardVerifier, cfg.CardRegistrations = sandbox, cfg.Customers.(httpapi.CardRegistrationIndex)
		cfg.Commands = refuseFinish{cfg.Commands, &refuse}
	})
	h.mustDo(http.MethodPost, "/ledger/customer/v1/1000/customers", validCustomer, http.StatusCreated)
	start := h.mustDo(http.MethodPost, base+"/consent/recurring-card-redirect-registration",
		`{"completeUrl":"https://shop.example/done","cancelUrl":"https://shop.example/cancel","language":"en-US"}`, http.StatusOK)
	u, err := url.Parse(start["redirectUrl"].(string))
	if err != nil {
		t.Fatal(err)
	}
	page := h.srv.URL + u.Path
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	contracttest.Client(t, browser)
	get := func(req *http.Request) (int, string) {
		resp, err := browser.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	verify := func() (int, map[string]string) {
		req, _ := http.NewRequest(http.MethodGet, page, nil)
		code, body := get(req)
		tok := sandboxTokenRE.FindStringSubmatch(body)
		if code != http.StatusOK || tok == nil {
			t.Fatalf("the page: %d %s", code, body)
		}
		form := url.Values{"token": {tok[1]}, "action": {"verify"}, "pan": {"5510 0000 0000 1232"}, "expiry": {"04/45"}, "cvc": {"123"}}
		req, _ = http.NewRequest(http.MethodPost, page, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		code, body = get(req)
		errs := map[string]string{}
		for _, m := range sandboxErrorRE.FindAllStringSubmatch(body, -1) {
			errs[m[1]] = m[2]
		}
		return code, errs
	}
	const cardOver, consentOver, refused = "The card has expired.",
		"The consent would end before it starts: its expiry month is over.",
		"The card could not be registered. Check the details and try again."
	for _, tt := range []struct {
		name     string
		problems []domain.Problem
		want     map[string]string
	}{
		{"card and consent over", []domain.Problem{{Name: domain.PropCardExpiryDate, Description: "x"}, {Name: domain.PropConsentExpiryDate, Description: "x"}},
			map[string]string{"expiry": cardOver}},
		{"card over", []domain.Problem{{Name: domain.PropCardExpiryDate, Description: "x"}}, map[string]string{"expiry": cardOver}},
		{"consent over", []domain.Problem{{Name: domain.PropConsentExpiryDate, Description: "x"}}, map[string]string{"expiry": consentOver}},
		{"another refusal", []domain.Problem{{Name: domain.PropInstrumentDisplayName, Description: "x"}}, map[string]string{"form": refused}},
		{"no problem named", nil, map[string]string{"form": refused}},
	} {
		refuse.Store(&tt.problems)
		code, errs := verify()
		if code != http.StatusBadRequest || len(errs) != len(tt.want) {
			t.Errorf("%s: %d %v, want 400 with %v", tt.name, code, errs, tt.want)
			continue
		}
		for field, msg := range tt.want {
			if errs[field] != msg {
				t.Errorf("%s: %s says %q, want %q", tt.name, field, errs[field], msg)
			}
		}
	}
	refuse.Store(nil)
	if st := registrationStatus(t, h); st != "Initialized" {
		t.Errorf("after the refused results: %s; want Initialized (nothing recorded)", st)
	}
}
