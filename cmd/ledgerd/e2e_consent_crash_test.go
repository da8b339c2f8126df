package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestE2ECardRegistrationsThroughSIGKILL: the recurring-card registrations' writes — a start
// (the provider asked, then RecurringCardRegistrationStarted appended), the sandbox form's
// completion and cancellation — answered before ledgerd is killed with SIGKILL are all there
// after the restart, as they were answered: the completed registration Completed with its card
// as the consent in force (the form posted again: 409), the cancelled one Aborted, the one only
// started still Initialized and active (a second start 409) with its page taking a card. The
// log passes its check, the read models equal a rebuild (the registration index included), and
// the stream holds every event once.
func TestE2ECardRegistrationsThroughSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the binary")
	}
	bin := buildLedgerd(t)
	dir := t.TempDir()
	const secret = "consent-crash-secret-0123456789abcdef0123"
	args := []string{"-jwt-secret", secret}
	tok := mintWith(t, secret, "shop")
	run := startBinary(t, bin, dir, args...)
	s := &testServer{base: run.base, token: tok, client: &http.Client{Timeout: 30 * time.Second}}
	defer s.client.CloseIdleConnections()
	const completed, cancelled, started = "7801", "7802", "7803"
	for _, no := range []string{completed, cancelled, started} {
		s.createCustomer(t, tok, newCustomer(no, "Card Crash "+no))
	}
	b := newSandboxBrowser(t)
	pending := s.startRegistration(t, started, shopComplete, shopCancel, "sv-SE")
	expectRedirect(t, "cancel", b.verify(s.startRegistration(t, cancelled, shopComplete, shopCancel, "en-US"), "", "", ""), shopCancel)
	done := s.startRegistration(t, completed, shopComplete, shopCancel, "en-US")
	page := b.open(done)
	form := url.Values{"token": {formToken(t, page)}, "action": {"verify"}, "pan": {docCardNumber}, "expiry": {docCardExpiry}, "cvc": {"123"}}
	expectRedirect(t, "verify", b.post(done, form), shopComplete)
	run.kill(t)
	checkLog(t, dir)

	run = startBinary(t, bin, dir, args...)
	// The page's address on the new run (started on another port, as its public URL).
	rebase := func(u string) string { return run.base + u[strings.Index(u, "/card-verification/"):] }
	s.base = run.base
	for no, want := range map[string]string{completed: "Completed", cancelled: "Aborted", started: "Initialized"} {
		if st := s.registrationStatus(t, no); st != want {
			t.Errorf("customer %s's registration after the restart: %s; want %s", no, st, want)
		}
	}
	card := s.do(t, http.MethodGet, recurringCardPath(demoLedger, completed), tok, nil)
	expectStatus(t, card, http.StatusOK)
	if !strings.Contains(string(card.Body), "551000******1232") {
		t.Errorf("the consent after the restart: %s", card.Body)
	}
	if r := b.post(rebase(done), form); r.Status != http.StatusConflict {
		t.Errorf("the completed form posted again after the restart: %d\n%s", r.Status, r.Body)
	}
	assertProblem(t, s.do(t, http.MethodPost, registrationPath(demoLedger, started), tok,
		map[string]any{"completeUrl": shopComplete, "cancelUrl": shopCancel, "language": "en-US"}), http.StatusConflict, "conflict")
	expectRedirect(t, "verify after the restart", b.verify(rebase(pending), docCardNumber, docCardExpiry, "123"), shopComplete)
	if st := s.registrationStatus(t, started); st != "Completed" {
		t.Errorf("the registration started before the kill, completed after: %s", st)
	}
	checkStream(t, run.natsURL(t), writerHead(t, s))
	stopBinary(t, run)
	checkLog(t, dir)
	compareProjections(t, dir, false)
}
