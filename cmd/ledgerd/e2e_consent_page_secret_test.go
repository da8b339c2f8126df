package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/nats-io/nats.go"
)

// TestE2ESandboxPageNotFromClearData: the sandbox page's URL — a registration's redirectUrl,
// sealed as personal data (docs/data-protection.md) — cannot be made from what every NATS
// subscriber sees in the clear. RecurringCardRegistrationStarted publishes its registrationId in
// the clear; the page at /card-verification/sandbox/{registrationId} would open the person's
// verification session to any subscriber (and any holder of a log backup). The page's URL
// carries a MAC of the id under the sandbox's key; the id alone finds no page.
func TestE2ESandboxPageNotFromClearData(t *testing.T) {
	s := startServer(t)
	msgs := subscribeEvents(t, s)
	const no = "6161"
	s.createCustomer(t, s.token, newCustomer(no, "Sigrid Pagesecret"))
	redirectURL := s.startRegistration(t, no, "https://shop.example/complete?c=1", "https://shop.example/cancel?c=1", "en-US")

	// What a subscriber without any grant reads of the start: the registration's id, in the clear.
	var id string
	wait, cancel := waitContext(t)
	defer cancel()
	for id == "" {
		var m *nats.Msg
		select {
		case m = <-msgs:
		case <-wait.Done():
			t.Fatal("no RecurringCardRegistrationStarted on NATS by the test's deadline")
		}
		if !strings.HasSuffix(m.Subject, ".RecurringCardRegistrationStarted") {
			continue
		}
		var data struct {
			RegistrationID string `json:"registrationId"`
			RedirectURL    string `json:"redirectUrl"`
		}
		if err := json.Unmarshal(m.Data, &data); err != nil {
			t.Fatal(err)
		}
		if data.RedirectURL != "" {
			t.Fatalf("the redirectUrl is published in the clear: %s", m.Data)
		}
		id = data.RegistrationID
	}
	if id == "" || strings.HasSuffix(redirectURL, "/"+id) {
		t.Errorf("the page's URL %s is the clear registration id %q", redirectURL, id)
	}
	b := newSandboxBrowser(t)
	if page := b.open(s.base + "/card-verification/sandbox/" + id); page.Status != http.StatusNotFound {
		t.Errorf("the page opened from the clear registration id: %d, want 404", page.Status)
	}
	// The redirectUrl itself still opens the page, and its form records the result.
	expectRedirect(t, "verify", b.verify(redirectURL, "5510 0000 0000 1232", docCardExpiry, "123"), "https://shop.example/complete?c=1")
	if st := s.registrationStatus(t, no); st != "Completed" {
		t.Errorf("status %q, want Completed", st)
	}
	// Another registration's MAC does not open this one's page.
	u2 := s.startRegistration(t, no, "https://shop.example/complete?c=2", "https://shop.example/cancel?c=2", "en-US")
	id2 := u2[strings.LastIndex(u2, "/")+1:]
	mac := redirectURL[strings.LastIndex(redirectURL, ".")+1:]
	if dot := strings.IndexByte(id2, '.'); dot > 0 {
		if page := b.open(s.base + "/card-verification/sandbox/" + id2[:dot] + "." + mac); page.Status != http.StatusNotFound {
			t.Errorf("a page opened with another registration's MAC: %d, want 404", page.Status)
		}
	}
}
