package main

// The sandbox page sends the browser back to completeUrl and cancelUrl whatever host the API
// accepted for them: the page's Content-Security-Policy names the shop in its form-action (a
// browser checks the redirect after the form against it), and a host a CSP source cannot spell
// — an underscore, an IPv6 literal, a non-ASCII name — must not leave the person stranded on
// the sandbox page after their registration ended.

import (
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/nordledger/ledger/internal/browsertest"
)

func TestE2ESandboxRedirectsToAnyAcceptedHost(t *testing.T) {
	ctx := browsertest.New(t, 3*time.Minute)
	s := startServer(t)
	shop := shopServer(t)
	port := shop.URL[strings.LastIndex(shop.URL, ":")+1:]
	// *.localhost resolves to the loopback address in Chromium; the IPv6 loopback, where the
	// machine has one, serves the same shop.
	hosts := []string{"my_shop.localhost", "bücher.localhost", "SHOP.localhost"}
	if l, err := net.Listen("tcp", "[::1]:"+port); err == nil {
		go http.Serve(l, shop.Config.Handler)
		t.Cleanup(func() { l.Close() })
		hosts = append(hosts, "[::1]")
	} else {
		t.Logf("no IPv6 loopback (%v): the IPv6 literal is not tried", err)
	}
	for i, host := range hosts {
		t.Run(host, func(t *testing.T) {
			base := "http://" + host + ":" + port
			no := fmt.Sprint(7800 + 2*i)
			s.createCustomer(t, s.token, newCustomer(no, "Host Cancel"))
			u := s.startRegistration(t, no, base+"/complete", base+"/cancel", "en-US")
			if err := chromedp.Do(ctx,
				chromedp.Navigate(u),
				chromedp.WaitVisible(chromedp.CSS("#cancel")),
				chromedp.Click(chromedp.CSS("#cancel")),
				chromedp.WaitVisible(chromedp.CSS("#shop")),
			); err != nil {
				t.Fatalf("cancelling: the browser did not reach cancelUrl %s: %v", base+"/cancel", err)
			}
			if got := text(t, ctx, "#shop"); got != "/cancel" {
				t.Fatalf("after cancelling the shop shows %q, want /cancel", got)
			}
			if st := s.registrationStatus(t, no); st != "Aborted" {
				t.Fatalf("status %q, want Aborted", st)
			}

			no = fmt.Sprint(7801 + 2*i)
			s.createCustomer(t, s.token, newCustomer(no, "Host Verify"))
			u = s.startRegistration(t, no, base+"/complete", base+"/cancel", "en-US")
			if err := chromedp.Do(ctx,
				chromedp.Navigate(u),
				chromedp.WaitVisible(chromedp.CSS("#pan")),
				submitCard("5510 0000 0000 1232", "04/35", "123", "#shop"),
			); err != nil {
				t.Fatalf("verifying: the browser did not reach completeUrl %s: %v", base+"/complete", err)
			}
			if got := text(t, ctx, "#shop"); got != "/complete" {
				t.Fatalf("after verifying the shop shows %q, want /complete", got)
			}
			if st := s.registrationStatus(t, no); st != "Completed" {
				t.Fatalf("status %q, want Completed", st)
			}
		})
	}
}
