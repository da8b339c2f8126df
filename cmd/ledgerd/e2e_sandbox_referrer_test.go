package main

// The sandbox page's URL is its secret (it opens the registration's form): the browser must not
// tell the shop where it came from, neither on the redirect after the form nor when the person
// follows the page's link back.

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/nordledger/ledger/internal/browsertest"
)

func TestE2ESandboxSendsNoReferrerToTheShop(t *testing.T) {
	ctx := browsertest.New(t, 2*time.Minute)
	s := startServer(t)
	var mu sync.Mutex
	referers := map[string]string{}
	shop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		referers[r.URL.Path] = r.Header.Get("Referer")
		mu.Unlock()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><title>shop</title><h1 id="shop">%s</h1>`, r.URL.Path)
	}))
	t.Cleanup(shop.Close)

	no := "7900"
	s.createCustomer(t, s.token, newCustomer(no, "Referrer Test"))
	u := s.startRegistration(t, no, shop.URL+"/complete", shop.URL+"/cancel", "en-US")
	// The shop's page is asked for once per step; the step waits for it.
	referer := func(step string) {
		t.Helper()
		mu.Lock()
		defer mu.Unlock()
		if ref, ok := referers["/complete"]; !ok || ref != "" {
			t.Errorf("%s: the shop got Referer %q (asked: %v)", step, ref, ok)
		}
		delete(referers, "/complete")
	}
	if err := chromedp.Do(ctx,
		chromedp.Navigate(u),
		chromedp.WaitVisible(chromedp.CSS("#pan")),
		submitCard("5510 0000 0000 1232", "04/35", "123", "#shop"),
	); err != nil {
		t.Fatal(err)
	}
	referer("the redirect after the form")
	// The page of the ended registration links back to completeUrl.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(u),
		chromedp.WaitVisible(chromedp.CSS("#back")),
		chromedp.Click(chromedp.CSS("#back")),
		chromedp.WaitVisible(chromedp.CSS("#shop")),
	); err != nil {
		t.Fatal(err)
	}
	referer("the link back")
}
