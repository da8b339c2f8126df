package main

// The sandbox card-verification page in a real browser (headless Chromium through chromedp):
// a person opens the registration's redirectUrl, enters a test card and verifies it, and the
// browser lands on completeUrl with the consent registered; cancelling lands on cancelUrl with
// the registration Aborted.

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/nordledger/ledger/internal/browsertest"
)

// shopServer is the integrator's site the browser is sent back to: it answers every path with
// a page naming the path.
func shopServer(t *testing.T) *httptest.Server {
	t.Helper()
	shop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><title>shop</title><h1 id="shop">%s</h1>`, r.URL.Path)
	}))
	t.Cleanup(shop.Close)
	return shop
}

func TestE2ESandboxInBrowser(t *testing.T) {
	ctx := browsertest.New(t, 2*time.Minute)
	s := startServer(t)
	shop := shopServer(t)
	completeURL, cancelURL := shop.URL+"/complete?order=42", shop.URL+"/cancel?order=42"

	// Verify: fill the form, submit, land on completeUrl; the consent is registered.
	no := "7600"
	s.createCustomer(t, s.token, newCustomer(no, "Browser Test"))
	u := s.startRegistration(t, no, completeURL, cancelURL, "sv-SE")
	if err := chromedp.Do(ctx,
		chromedp.Navigate(u),
		chromedp.WaitVisible(chromedp.CSS("#pan")),
	); err != nil {
		t.Fatal(err)
	}
	lang, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.lang`))
	if err != nil || lang != "sv-SE" {
		t.Fatalf("page language %q (%v), want sv-SE", lang, err)
	}
	title, err := chromedp.Run(ctx, chromedp.Title())
	if err != nil || title != "Registrera ditt kort" {
		t.Fatalf("page title %q (%v)", title, err)
	}
	// The stylesheet, served by ledgerd itself, applies.
	badge, err := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector(".badge")).textTransform`))
	if err != nil || badge != "uppercase" {
		t.Fatalf("the page's stylesheet is not applied (badge text-transform %q, %v)", badge, err)
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 800)); err != nil {
		t.Fatal(err)
	}
	checkSideBySide(t, ctx, 1280)
	browsertest.Screenshot(t, ctx, "desktop")
	if err := chromedp.Do(ctx,
		submitCard("5510 0000 0000 1232", "04/35", "123", "#shop"),
	); err != nil {
		t.Fatal(err)
	}
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil || loc != completeURL {
		t.Fatalf("after verifying: the browser is at %q (%v), want %q", loc, err, completeURL)
	}
	r := s.do(t, http.MethodGet, recurringCardPath(demoLedger, no), s.token, nil)
	expectStatus(t, r, http.StatusOK)
	assertContainsJSON(t, "the consent", map[string]any{"instrumentDisplayName": "551000******1232", "cardExpiryDate": "04/2035", "consentExpiryDate": "04-2035"}, r.object(t))
	if st := s.registrationStatus(t, no); st != "Completed" {
		t.Fatalf("status %q, want Completed", st)
	}
	// Back in the history and submitting again: the registration ended once.
	if err := chromedp.Do(ctx, chromedp.Navigate(u), chromedp.WaitVisible(chromedp.CSS("#message"))); err != nil {
		t.Fatal(err)
	}
	msg, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#message")))
	if err != nil || msg != "Kortregistreringen är redan avslutad." {
		t.Fatalf("the page of the completed registration says %q (%v)", msg, err)
	}

	// Cancel: land on cancelUrl; the registration is Aborted and no consent registered.
	no = "7601"
	s.createCustomer(t, s.token, newCustomer(no, "Browser Cancel"))
	u = s.startRegistration(t, no, completeURL, cancelURL, "en-US")
	if err := chromedp.Do(ctx,
		chromedp.Navigate(u),
		chromedp.WaitVisible(chromedp.CSS("#cancel")),
		chromedp.Click(chromedp.CSS("#cancel")),
		chromedp.WaitVisible(chromedp.CSS("#shop")),
	); err != nil {
		t.Fatal(err)
	}
	if loc, err := chromedp.Run(ctx, chromedp.Location()); err != nil || loc != cancelURL {
		t.Fatalf("after cancelling: the browser is at %q (%v), want %q", loc, err, cancelURL)
	}
	if st := s.registrationStatus(t, no); st != "Aborted" {
		t.Fatalf("status %q, want Aborted", st)
	}
	assertProblem(t, s.do(t, http.MethodGet, recurringCardPath(demoLedger, no), s.token, nil), http.StatusNotFound, "not-found")

	// A card that is not a test card is shown on the form, in the page's language, and the
	// registration stays Initialized.
	no = "7602"
	s.createCustomer(t, s.token, newCustomer(no, "Browser Bad Card"))
	u = s.startRegistration(t, no, completeURL, cancelURL, "fi-FI")
	if err := chromedp.Do(ctx,
		chromedp.Navigate(u),
		chromedp.WaitVisible(chromedp.CSS("#pan")),
		submitCard("4111111111111111", "04/35", "123", "#pan-error"),
	); err != nil {
		t.Fatal(err)
	}
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#pan-error")))
	if err != nil || !strings.HasPrefix(text, "Tämä ei ole testikortti.") {
		t.Fatalf("the form's error %q (%v)", text, err)
	}
	if st := s.registrationStatus(t, no); st != "Initialized" {
		t.Fatalf("status %q, want Initialized", st)
	}
}

// TestE2ESandboxOnAPhone: on a 390 px wide screen, in each of the page's languages, the expiry
// and CVC fields sit side by side, their boxes level and as tall as each other whatever their
// labels' lengths, with the form's errors shown; nothing is wider than the screen. A 16-digit
// number with a wrong check digit is called not valid, not "13 to 19 digits".
func TestE2ESandboxOnAPhone(t *testing.T) {
	ctx := browsertest.New(t, 3*time.Minute)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile)); err != nil {
		t.Fatal(err)
	}
	s := startServer(t)
	shop := shopServer(t)
	notValid := map[string]string{
		"en-US": "This card number is not valid.", "sv-SE": "Kortnumret är inte giltigt.", "nb-NO": "Kortnummeret er ikke gyldig.",
		"da-DK": "Kortnummeret er ikke gyldigt.", "fi-FI": "Kortin numero ei ole kelvollinen.",
	}
	for i, lang := range []string{"en-US", "sv-SE", "nb-NO", "da-DK", "fi-FI"} {
		t.Run(lang, func(t *testing.T) {
			no := fmt.Sprint(7700 + i)
			s.createCustomer(t, s.token, newCustomer(no, "Phone Test"))
			u := s.startRegistration(t, no, shop.URL+"/complete", shop.URL+"/cancel", lang)
			if err := chromedp.Do(ctx, chromedp.Navigate(u), chromedp.WaitVisible(chromedp.CSS("#pan"))); err != nil {
				t.Fatal(err)
			}
			checkSideBySide(t, ctx, 390)
			browsertest.Screenshot(t, ctx, "form")

			// A wrong check digit, an expiry in the past, a short CVC: every error shown, the
			// fields still level.
			if err := chromedp.Do(ctx,
				submitCard("5510 0000 0000 1233", "01/20", "12", "#pan-error"),
			); err != nil {
				t.Fatal(err)
			}
			got, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#pan-error")))
			if err != nil || !strings.HasPrefix(got, notValid[lang]) {
				t.Errorf("the error of a wrong check digit: %q (%v), want %q", got, err, notValid[lang])
			}
			checkSideBySide(t, ctx, 390)
			browsertest.Screenshot(t, ctx, "errors")
			if st := s.registrationStatus(t, no); st != "Initialized" {
				t.Errorf("status %q, want Initialized", st)
			}
		})
	}
}

// checkSideBySide: the expiry and CVC inputs are level, equally tall, side by side within the
// form, and the page is no wider than the screen.
func checkSideBySide(t *testing.T, ctx context.Context, screen float64) {
	t.Helper()
	form := browsertest.OneBox(t, ctx, "form")
	expiry, cvc := browsertest.OneBox(t, ctx, "#expiry"), browsertest.OneBox(t, ctx, "#cvc")
	if math.Abs(expiry.Y-cvc.Y) > 0.5 || math.Abs(expiry.Height-cvc.Height) > 0.5 {
		t.Errorf("expiry %+v and CVC %+v are not level", expiry, cvc)
	}
	if expiry.Right() > cvc.X || expiry.X < form.X-0.5 || cvc.Right() > form.Right()+0.5 || cvc.Width < 100 || expiry.Width < 100 {
		t.Errorf("expiry %+v and CVC %+v are not side by side within the form %+v", expiry, cvc, form)
	}
	page := browsertest.OneBox(t, ctx, "html")
	if page.Overflows() || page.ScrollWidth > screen {
		t.Errorf("the page is %.0f px wide on a %.0f px screen", page.ScrollWidth, screen)
	}
}

// submitCard fills the sandbox form with a card and sends it, then waits until the element
// sel shows (the shop's page, or an error on the form).
func submitCard(pan, expiry, cvc, sel string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.SendKeys(chromedp.CSS("#pan"), pan),
		chromedp.SendKeys(chromedp.CSS("#expiry"), expiry),
		chromedp.SendKeys(chromedp.CSS("#cvc"), cvc),
		chromedp.Click(chromedp.CSS("#verify")),
		chromedp.WaitVisible(chromedp.CSS(sel)),
	)
}
