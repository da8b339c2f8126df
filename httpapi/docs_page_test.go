package httpapi_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/nordledger/ledger/internal/browsertest"
)

// TestDocsPageRenders: /docs, in a real browser, renders the OpenAPI document's operations (with
// the extension marks and scopes) and, on its second tab, the AsyncAPI document's events — from
// the service itself, with no external assets (the page's Content-Security-Policy allows none).
func TestDocsPageRenders(t *testing.T) {
	h := newHarness(t)
	ctx := browsertest.New(t, 2*time.Minute)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(h.srv.URL+"/docs"), chromedp.WaitVisible(chromedp.CSS("details.op"))); err != nil {
		t.Fatal(err)
	}
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Create a customer", "/ledger/customer/v1/{ledgerNo}/customers", "customer:write", "extension", "Get customer details (Connect)", "Security: bearer"} {
		if !strings.Contains(text, want) {
			t.Errorf("the OpenAPI tab lacks %q", want)
		}
	}
	// The descriptions' Markdown emphasis is rendered, not shown as asterisks.
	if strings.Contains(text, "*Get customer details*") || strings.Contains(text, "**") {
		t.Errorf("the page shows Markdown's asterisks: %.600s", text)
	}
	for sel, want := range map[string][]string{
		"main em":     {"Get customer details"},
		"main strong": {"Ledger Customer API", "Extensions", "Errors", "Property names", "Tracing"},
	} {
		got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("`+sel+`"), e => e.textContent)`))
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range want {
			if !slices.Contains(got, w) {
				t.Errorf("%s: %q, want %q among them", sel, got, w)
			}
		}
	}
	browsertest.ViewportScreenshot(t, ctx, "openapi")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#tab-asyncapi")), chromedp.WaitVisible(chromedp.CSS("details.op"))); err != nil {
		t.Fatal(err)
	}
	text, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ledger.customer.v1.{ledgerNo}.{customerNo}.{eventType}", "CustomerCreated", "SurplusRegulated", "CustomerDetailsLookedUp"} {
		if !strings.Contains(text, want) {
			t.Errorf("the AsyncAPI tab lacks %q", want)
		}
	}
	if strings.Contains(text, "Could not load") {
		t.Errorf("the page could not load the documents: %s", text)
	}
}
