package main

// Markup in the values the audit page shows that are not customer data — a client's
// X-Correlation-ID, and the API's problem details, which may repeat what the address asked for —
// is shown as text: nothing of it runs (it would set window.pwned) or becomes an element.

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/nordledger/ledger/httpapi/auth"
	"github.com/nordledger/ledger/internal/browsertest"
)

func TestE2EAuditPageMarkupInCorrelationIDAndProblems(t *testing.T) {
	ctx := browsertest.New(t, 3*time.Minute)
	s := startServer(t)
	writer := s.mint(t, "writer", []string{demoLedger}, auth.ScopeCustomerRead, auth.ScopeCustomerWrite)
	viewer := s.mint(t, "auditor", []string{demoLedger}, auth.ScopeCustomerRead, auth.ScopeAuditRead)

	no := "7067"
	cid := `"><img/src/onerror=window.pwned=1>`
	expectStatus(t, s.do(t, http.MethodPost, "/ledger/customer/v1/"+demoLedger+"/customers", writer, newCustomer(no, "Markup Test"),
		"X-Correlation-ID", cid), http.StatusCreated)

	notRun := func(view string) {
		t.Helper()
		got, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]any](`({
			pwned: typeof window.pwned,
			injected: document.querySelectorAll('main img, main svg, main script, [onerror], [onload]').length,
		})`))
		if err != nil {
			t.Fatal(err)
		}
		if got["pwned"] != "undefined" || got["injected"] != float64(0) {
			t.Errorf("%s: markup ran or was built: %v", view, got)
		}
	}

	problems := watchPage(t, ctx)
	// The customer's timeline: the correlation id of its creation.
	if err := chromedp.Do(ctx, chromedp.Navigate(s.base+"/ui/?ledger="+demoLedger+"&customer="+no+"#token="+url.QueryEscape(viewer))); err != nil {
		t.Fatal(err)
	}
	if state := pageLoaded(t, ctx); state != "ready" {
		t.Fatalf("timeline: %s %q", state, text(t, ctx, "#error"))
	}
	if got := text(t, ctx, `#timeline li[data-version="1"] dd.correlation`); got != cid {
		t.Errorf("the timeline shows the correlation id as %q", got)
	}
	notRun("timeline")

	// The ledger's events filtered by that correlation id, and the link that filters by it.
	if err := chromedp.Do(ctx, chromedp.Navigate(s.base+"/ui/?view=events&ledger="+demoLedger+"&correlationId="+url.QueryEscape(cid))); err != nil {
		t.Fatal(err)
	}
	if state := pageLoaded(t, ctx); state != "ready" {
		t.Fatalf("ledger events: %s %q", state, text(t, ctx, "#error"))
	}
	if got := texts(t, ctx, "#events tbody td.correlation"); len(got) != 1 || got[0] != cid {
		t.Errorf("the events show the correlation ids %q, want one %q", got, cid)
	}
	notRun("ledger events")

	// A filter the API refuses: its problem is shown as text.
	bad := `<img/src/onerror=window.pwned=2>`
	if err := chromedp.Do(ctx, chromedp.Navigate(s.base+"/ui/?view=events&ledger="+demoLedger+"&type="+url.QueryEscape(bad))); err != nil {
		t.Fatal(err)
	}
	if state := pageLoaded(t, ctx); state != "error" {
		t.Fatalf("a refused filter: page state %s", state)
	}
	if msg := text(t, ctx, "#error"); !strings.HasPrefix(msg, "400 ") {
		t.Errorf("a refused filter shows %q", msg)
	}
	notRun("a refused filter")
	if p := problems(); len(p) > 0 {
		t.Errorf("the page logged %q", p)
	}
}
