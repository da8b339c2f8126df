package main

// The audit page shows hostile values as text, exactly: markup is not run, a long value wraps in
// its cell, and invisible formatting characters — the bidirectional overrides and isolates, which
// would make a value (or the rest of an event's data line) read backwards, and the zero-width ones
// — are shown as visible marks (⟨U+202E⟩), so what an auditor reads is what the event holds.

import (
	"context"
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

func TestE2EAuditPageHostileValues(t *testing.T) {
	ctx := browsertest.New(t, 3*time.Minute)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatal(err)
	}
	s := startServer(t)
	writer := s.mint(t, "mallory", []string{demoLedger}, auth.ScopeCustomerRead, auth.ScopeCustomerWrite)
	viewer := s.mint(t, "auditor", []string{demoLedger}, auth.ScopeCustomerRead, auth.ScopeAuditRead)

	no := "7066"
	// "Mallory" then a right-to-left override: without it shown, the name reads "Mallory exe.gnp".
	name := "Mallory \u202Egnp.exe"
	create := newCustomer(no, name)
	create["legalAddress"].(map[string]any)["streetAddress"] = `"><img src=x onerror="document.title='owned'">`
	create["legalAddress"].(map[string]any)["addressee"] = strings.Repeat("Långt\u200bnamn", 6) // zero-width spaces, no other break
	create["billingAddress"] = map[string]any{"addressee": "<script>document.title='owned'</script>", "city": "C", "zipCode": "11122", "countryCode": "SE"}
	s.createCustomer(t, writer, create)
	// An isolate left open inside the data line would turn the members after it around too.
	expectStatus(t, s.do(t, http.MethodPut, customersPath(demoLedger, no, "billing-address"), writer,
		`{"addressee": "Eve \u2067ananab", "city": "STOCKHOLM", "zipCode": "11122", "countryCode": "SE"}`), http.StatusOK)

	problems := watchPage(t, ctx)
	if err := chromedp.Do(ctx, chromedp.Navigate(s.base+"/ui/?ledger="+demoLedger+"&customer="+no+"#token="+url.QueryEscape(viewer))); err != nil {
		t.Fatal(err)
	}
	if state := pageLoaded(t, ctx); state != "ready" {
		t.Fatalf("page state %s; error %q", state, text(t, ctx, "#error"))
	}
	checkHostilePage(t, ctx, "timeline")
	if got := text(t, ctx, `#timeline li[data-version="1"] table.diff tr[data-field="name"] td.new`); got != "Mallory ⟨U+202E⟩gnp.exe" {
		t.Errorf("the created name shows as %q", got)
	}
	if got := text(t, ctx, `#timeline li[data-version="1"] table.diff tr[data-field="legalAddress.streetAddress"] td.new`); got != create["legalAddress"].(map[string]any)["streetAddress"] {
		t.Errorf("the street address shows as %q", got)
	}
	checkDiffLayout(t, ctx)

	if err := chromedp.Do(ctx, chromedp.Navigate(s.base+"/ui/?view=events&ledger="+demoLedger)); err != nil {
		t.Fatal(err)
	}
	if state := pageLoaded(t, ctx); state != "ready" {
		t.Fatalf("ledger events: %s %q", state, text(t, ctx, "#error"))
	}
	checkHostilePage(t, ctx, "ledger events")
	if got := texts(t, ctx, "#events tbody .data code"); len(got) < 2 || !strings.Contains(got[len(got)-1], `"Eve ⟨U+2067⟩ananab"`) {
		t.Errorf("the PUT's data shows as %q", got)
	}
	checkEventsLayout(t, ctx)
	browsertest.Screenshot(t, ctx, "hostile-events")
	if p := problems(); len(p) > 0 {
		t.Errorf("the page logged %q", p)
	}
}

// checkHostilePage: no markup of the data ran or was made into elements, and no invisible
// formatting character is left in the page's text.
func checkHostilePage(t *testing.T, ctx context.Context, view string) {
	t.Helper()
	got, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]any](`({
		title: document.title,
		injected: document.querySelectorAll('main img, main script, [onerror]').length,
		invisible: (document.body.textContent.match(/[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g) || []).map(c => c.codePointAt(0).toString(16)),
	})`))
	if err != nil {
		t.Fatal(err)
	}
	if got["title"] == "owned" || got["injected"] != float64(0) {
		t.Errorf("%s: markup in the data ran or was built: %v", view, got)
	}
	if inv, _ := got["invisible"].([]any); len(inv) > 0 {
		t.Errorf("%s: the page shows invisible formatting characters as they are (U+%v): they turn the text around it", view, inv)
	}
}

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
