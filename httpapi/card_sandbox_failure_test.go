package httpapi_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/httpapi"
	"github.com/nordledger/ledger/httpapi/cardverify"
	"github.com/nordledger/ledger/internal/app"
	"github.com/nordledger/ledger/internal/contracttest"
)

// fullDisk refuses every card-verification result as a full disk does: nothing stored, an error
// matching eventstore.ErrWriteFailed.
type fullDisk struct {
	httpapi.Commands
	full *atomic.Bool
}

func (c fullDisk) Execute(ctx context.Context, ledgerNo, customerNo string, ifMatch app.Match, meta app.Meta, decide app.Decision) (app.Result, error) {
	if meta.Command == "finishCardRegistration" && c.full.Load() {
		return app.Result{}, fmt.Errorf("%w: no space left on device (test)", eventstore.ErrWriteFailed)
	}
	return c.Commands.Execute(ctx, ledgerNo, customerNo, ifMatch, meta, decide)
}

var sandboxTokenRE = regexp.MustCompile(`name="token" value="([^"]+)"`)

// sandboxPage starts a registration of customer 9999 with the sandbox provider, the harness's
// commands wrapped by wrap, and returns the page's address on the harness and a function that
// opens the page and posts its form with action (a browser: a cookie jar, no redirects
// followed; every exchange checked against the OpenAPI document).
func sandboxPage(t *testing.T, wrap func(httpapi.Commands) httpapi.Commands) (*harness, func(action string) (int, string, string)) {
	t.Helper()
	h := buildHarness(t, false, func(cfg *httpapi.Config) {
		sandbox, err := cardverify.NewSandbox(cardverify.SandboxConfig{BaseURL: "http://127.0.0.1:1", Key: testSecret})
		if err != nil {
			t.Fatal(err)
		}
		cfg.CardVerifier, cfg.CardRegistrations = sandbox, cfg.Customers.(httpapi.CardRegistrationIndex)
		cfg.Commands = wrap(cfg.Commands)
	})
	if code, b := h.do(http.MethodPost, "/ledger/customer/v1/1000/customers", "application/json", validCustomer); code != http.StatusCreated {
		t.Fatalf("create: %d %s", code, b)
	}
	code, b := h.do(http.MethodPost, "/ledger/customer/v1/1000/customers/9999/consent/recurring-card-redirect-registration", "application/json",
		`{"completeUrl":"https://shop.example/done","cancelUrl":"https://shop.example/cancel","language":"sv-SE"}`)
	if code != http.StatusOK {
		t.Fatalf("start: %d %s", code, b)
	}
	m := regexp.MustCompile(`"redirectUrl":"([^"]+)"`).FindStringSubmatch(b)
	if m == nil {
		t.Fatalf("start: no redirectUrl in %s", b)
	}
	u, err := url.Parse(m[1])
	if err != nil {
		t.Fatal(err)
	}
	page := h.srv.URL + u.Path
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	contracttest.Client(t, browser)
	send := func(req *http.Request) (int, string, string) {
		resp, err := browser.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body), resp.Header.Get("Location")
	}
	submit := func(action string) (int, string, string) {
		req, _ := http.NewRequest(http.MethodGet, page, nil)
		code, body, _ := send(req)
		tok := sandboxTokenRE.FindStringSubmatch(body)
		if code != http.StatusOK || tok == nil {
			return code, body, ""
		}
		form := url.Values{"token": {tok[1]}, "action": {action}}
		req, _ = http.NewRequest(http.MethodPost, page, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return send(req)
	}
	return h, submit
}

// registrationStatus returns the status of customer 9999's registration.
func registrationStatus(t *testing.T, h *harness) string {
	t.Helper()
	code, b := h.do(http.MethodGet, "/ledger/customer/v1/1000/customers/9999/consent/recurring-card-redirect-registration", "", "")
	m := regexp.MustCompile(`"status":"([^"]+)"`).FindStringSubmatch(b)
	if code != http.StatusOK || m == nil {
		t.Fatalf("the registration: %d %s", code, b)
	}
	return m[1]
}

// TestSandboxFormWhenTheResultIsNotStored: the sandbox form posted while the log cannot be
// written (a full disk) is answered as every write is then — 503 unavailable, "not stored",
// Retry-After — not a 500 "unexpected error"; the registration stays Initialized and the form
// posted again once space returns ends it.
func TestSandboxFormWhenTheResultIsNotStored(t *testing.T) {
	var full atomic.Bool
	h, submit := sandboxPage(t, func(c httpapi.Commands) httpapi.Commands { return fullDisk{c, &full} })
	full.Store(true)
	code, body, _ := submit("cancel")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "not stored") {
		t.Errorf("the form on a full disk: %d %s; want 503 unavailable, not stored", code, body)
	}
	if st := registrationStatus(t, h); st != "Initialized" {
		t.Errorf("after the refused form: %s; want Initialized", st)
	}
	full.Store(false)
	if code, body, loc := submit("cancel"); code != http.StatusSeeOther || loc != "https://shop.example/cancel" {
		t.Errorf("the form once space returned: %d %q %s; want 303 to the cancelUrl", code, loc, body)
	}
}

// TestSandboxFormStoredWhileReadModelsLag: the sandbox form whose result is stored while the read
// models lag is not told "an unexpected error occurred" (the result was recorded): it gets the
// 503 every route gives then ("read before retrying"), and the form posted again meets the
// recorded end (409).
func TestSandboxFormStoredWhileReadModelsLag(t *testing.T) {
	var lagging atomic.Bool
	h, submit := sandboxPage(t, func(c httpapi.Commands) httpapi.Commands { return lagFinish{c, &lagging} })
	lagging.Store(true)
	code, body, _ := submit("cancel")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "read before retrying") {
		t.Errorf("the form stored while the read models lag: %d %s; want 503 timeout, read before retrying", code, body)
	}
	lagging.Store(false)
	if st := registrationStatus(t, h); st != "Aborted" {
		t.Errorf("after the form: %s; want Aborted (it was stored)", st)
	}
	if code, body, _ := submit("cancel"); code != http.StatusConflict {
		t.Errorf("the form posted again: %d %s; want 409 (ended)", code, body)
	}
}
