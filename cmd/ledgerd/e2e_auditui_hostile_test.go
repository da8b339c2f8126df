package main

// The audit page shows hostile values as text, exactly: markup is not run, a long value wraps in
// its cell, and invisible formatting characters — the bidirectional overrides and isolates, which
// would make a value (or the rest of an event's data line) read backwards, and the zero-width ones
// — are shown as visible marks (⟨U+202E⟩), so what an auditor reads is what the event holds.

import (
	"context"
	"net/http"
	"net/url"
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
