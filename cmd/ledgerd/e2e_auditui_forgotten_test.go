package main

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/nordledger/ledger/httpapi/auth"
	"github.com/nordledger/ledger/internal/browsertest"
)

// TestE2EAuditPageForgottenCustomer: a forgotten customer's timeline still shows every event —
// who, when, type, correlation id — with its personal members shown erased, and none of its
// personal data; its past states are the API's 410, not a page that fails as a whole.
func TestE2EAuditPageForgottenCustomer(t *testing.T) {
	ctx := browsertest.New(t, 3*time.Minute)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatal(err)
	}
	s := startServer(t, withConfig(forgetConfig(t)))
	writer := s.mint(t, "alice", []string{demoLedger}, auth.ScopeCustomerRead, auth.ScopeCustomerWrite)
	dpo := s.mint(t, "dpo@example.se", []string{demoLedger}, auth.ScopeCustomerErase, auth.ScopeCustomerRead, auth.ScopeAuditRead)
	no := "7067"
	create := newCustomer(no, "Glömda Gunhild")
	create["emailAddress"] = "gunhild@example.se"
	s.createCustomer(t, writer, create, "X-Correlation-ID", "ui-forget-create")
	expectStatus(t, s.do(t, http.MethodPatch, customersPath(demoLedger, no), writer, `{"emailAddress": "g2@example.se"}`, "X-Correlation-ID", "ui-forget-mail"), http.StatusOK)
	expectStatus(t, s.do(t, http.MethodPost, customersPath(demoLedger, no, "forget"), dpo, nil, "X-Correlation-ID", "ui-forget"), http.StatusNoContent)

	problems := watchPage(t, ctx)
	if err := chromedp.Do(ctx, chromedp.Navigate(s.base+"/ui/?ledger="+demoLedger+"&customer="+no+"#token="+url.QueryEscape(dpo))); err != nil {
		t.Fatal(err)
	}
	if state := pageLoaded(t, ctx); state != "ready" {
		t.Fatalf("page state %s; error %q", state, text(t, ctx, "#error"))
	}
	if got, want := texts(t, ctx, "#timeline li .type"), []string{"CustomerCreated", "CustomerDetailsChanged", "CustomerForgotten"}; !slices.Equal(got, want) {
		t.Errorf("types %q, want %q", got, want)
	}
	if got, want := texts(t, ctx, "#timeline li .actor"), []string{"alice", "alice", "dpo@example.se"}; !slices.Equal(got, want) {
		t.Errorf("actors %q, want %q", got, want)
	}
	if got, want := texts(t, ctx, "#timeline li .correlation"), []string{"ui-forget-create", "ui-forget-mail", "ui-forget"}; !slices.Equal(got, want) {
		t.Errorf("correlation ids %q, want %q", got, want)
	}
	erased := texts(t, ctx, "#timeline li .erased")
	if len(erased) != 2 || !strings.Contains(erased[0], "name") || !strings.Contains(erased[1], "emailAddress") {
		t.Errorf("erased members shown %q", erased)
	}
	whole := strings.Join(texts(t, ctx, "main"), " ")
	for _, v := range []string{"Glömda", "Gunhild", "gunhild@example.se", "g2@example.se", "Storgatan"} {
		if strings.Contains(whole, v) {
			t.Errorf("the forgotten customer's %q is shown", v)
		}
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("the page logged %q", p)
	}
}
