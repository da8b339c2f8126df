package main

// The recurring-card registration's other paths: validation, scopes and tenancy; the sandbox
// page's cancel and failure, its languages and its safety (form tokens, replays, unknown and
// replaced registrations); expiry on the service's clock.

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nordledger/ledger/httpapi/auth"
	"github.com/nordledger/ledger/internal/tracing"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

const (
	shopComplete = "https://shop.example/complete?order=1"
	shopCancel   = "https://shop.example/cancel?order=1"
)

func TestE2EConsentProblems(t *testing.T) {
	s := startServer(t, withConfig(ledgerConfig(t)))
	no := "7100"
	s.createCustomer(t, s.token, newCustomer(no, "Consent Problems"))
	reg := registrationPath(demoLedger, no)

	// Every problem of the request at once, nothing recorded.
	r := s.do(t, http.MethodPost, reg, s.token, `{"completeUrl": "/relative", "cancelUrl": "ftp://shop.example/", "language": "de-DE", "extra": 1}`)
	assertValidation(t, r, "completeUrl", "cancelUrl", "language", "extra")
	r = s.do(t, http.MethodPost, reg, s.token, `{}`)
	assertValidation(t, r, "completeUrl", "cancelUrl", "language")
	r = s.do(t, http.MethodPost, reg, s.token, `{"completeUrl": 1, "cancelUrl": null, "language": ["en-US"]}`)
	assertValidation(t, r, "completeUrl", "cancelUrl", "language")
	assertValidation(t, s.do(t, http.MethodPost, reg, s.token, nil), "body")
	assertValidation(t, s.do(t, http.MethodPost, reg, s.token, `{"completeUrl": `), "body")
	for _, bad := range []string{"javascript:alert(1)", "https://user:pw@shop.example/", "https://shop.example/a b", "https://", "shop.example/complete"} {
		r = s.do(t, http.MethodPost, reg, s.token, map[string]any{"completeUrl": bad, "cancelUrl": shopCancel, "language": "en-US"})
		p := assertValidation(t, r, "completeUrl")
		if len(p.Problems) != 1 {
			t.Errorf("%q: problems %v, want only completeUrl", bad, p.names())
		}
	}
	assertProblem(t, s.do(t, http.MethodGet, reg, s.token, nil), http.StatusNotFound, "not-found")
	// Every language of the document, in any case.
	for i, lang := range []string{"en-US", "sv-SE", "nb-NO", "da-DK", "fi-fi"} {
		n := "71" + itoa(10+i)
		s.createCustomer(t, s.token, newCustomer(n, "Language Test"))
		s.startRegistration(t, n, shopComplete, shopCancel, lang)
	}
	// Unknown customer.
	assertProblem(t, s.do(t, http.MethodPost, registrationPath(demoLedger, "7199"), s.token,
		map[string]any{"completeUrl": shopComplete, "cancelUrl": shopCancel, "language": "en-US"}), http.StatusNotFound, "customer-not-found")
	for _, path := range []string{customersPath(demoLedger, "7199", "consent"), recurringCardPath(demoLedger, "7199"), registrationPath(demoLedger, "7199")} {
		assertProblem(t, s.do(t, http.MethodGet, path, s.token, nil), http.StatusNotFound, "customer-not-found")
	}
	assertProblem(t, s.do(t, http.MethodPut, reg, s.token, `{}`), http.StatusMethodNotAllowed, "method-not-allowed")

	// Scopes: reading needs customer:read; starting and deleting need consent:write.
	reader := s.mint(t, "reader", []string{demoLedger}, auth.ScopeCustomerRead)
	writer := s.mint(t, "writer", []string{demoLedger}, auth.ScopeConsentWrite)
	body := map[string]any{"completeUrl": shopComplete, "cancelUrl": shopCancel, "language": "en-US"}
	assertProblem(t, s.do(t, http.MethodPost, reg, reader, body), http.StatusForbidden, "forbidden")
	assertProblem(t, s.do(t, http.MethodDelete, recurringCardPath(demoLedger, no), reader, nil), http.StatusForbidden, "forbidden")
	for _, path := range []string{customersPath(demoLedger, no, "consent"), recurringCardPath(demoLedger, no), reg} {
		assertProblem(t, s.do(t, http.MethodGet, path, writer, nil), http.StatusForbidden, "forbidden")
	}
	expectStatus(t, s.do(t, http.MethodGet, customersPath(demoLedger, no, "consent"), reader, nil), http.StatusOK)
	r = s.do(t, http.MethodPost, reg, writer, body)
	expectStatus(t, r, http.StatusOK)
	// Tenancy: a token of ledger 2000 learns nothing of ledger 1000's registrations.
	other := s.mint(t, "other", []string{"2000"}, auth.AllScopes...)
	for _, m := range []string{http.MethodGet, http.MethodPost} {
		assertProblem(t, s.do(t, m, reg, other, body), http.StatusForbidden, "forbidden")
	}
	assertProblem(t, s.do(t, http.MethodGet, registrationPath("2000", no), other, nil), http.StatusNotFound, "customer-not-found")

	// If-Match: a stale version is refused, and nothing starts.
	s.createCustomer(t, s.token, newCustomer("7120", "If Match"))
	assertProblem(t, s.do(t, http.MethodPost, registrationPath(demoLedger, "7120"), s.token, body, "If-Match", `"2"`),
		http.StatusPreconditionFailed, "precondition-failed")
	assertProblem(t, s.do(t, http.MethodGet, registrationPath(demoLedger, "7120"), s.token, nil), http.StatusNotFound, "not-found")
	s.stop(t)
	for _, e := range streamEvents(readEvents(t, s.dir), demoLedger, no) {
		if e.Type == "RecurringCardRegistrationStarted" && e.Actor != "writer" {
			t.Errorf("a registration was started by %q", e.Actor)
		}
	}
	if n := len(streamEvents(readEvents(t, s.dir), demoLedger, no)); n != 2 {
		t.Errorf("customer %s has %d events, want 2 (created, one registration started)", no, n)
	}
}

// TestE2ESandboxFlows: cancel → cancelUrl and Aborted; the declined card → completeUrl and
// Failed; neither registers a consent; a bad card is shown on the form and records nothing.
func TestE2ESandboxFlows(t *testing.T) {
	s := startServer(t)
	no := "7200"
	s.createCustomer(t, s.token, newCustomer(no, "Sandbox Flows"))
	b := newSandboxBrowser(t)

	u := s.startRegistration(t, no, shopComplete, shopCancel, "en-US")
	page := b.open(u)
	tok := formToken(t, page)
	r := b.post(u, url.Values{"token": {tok}, "action": {"verify"}, "pan": {"4111 1111 1111 1111"}, "expiry": {"13/99"}, "cvc": {"12"}})
	if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "This is not a test card") ||
		!strings.Contains(r.Body, "Enter the expiry date as MM/YY.") || !strings.Contains(r.Body, "Enter the 3-digit security code.") {
		t.Fatalf("a bad card: %d\n%s", r.Status, r.Body)
	}
	if strings.Contains(r.Body, "4111") {
		t.Error("the form shows the card number it refused")
	}
	r = b.post(u, url.Values{"token": {tok}, "action": {"verify"}, "pan": {docCardNumber}, "expiry": {"01/20"}, "cvc": {"123"}})
	if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "The card has expired.") {
		t.Fatalf("an expired card: %d\n%s", r.Status, r.Body)
	}
	if st := s.registrationStatus(t, no); st != "Initialized" {
		t.Fatalf("after bad cards: %s", st)
	}
	expectRedirect(t, "cancel", b.post(u, url.Values{"token": {tok}, "action": {"cancel"}}), shopCancel)
	if st := s.registrationStatus(t, no); st != "Aborted" {
		t.Fatalf("after cancel: %s", st)
	}

	u = s.startRegistration(t, no, shopComplete, shopCancel, "en-US")
	expectRedirect(t, "declined card", b.verify(u, declinedCardNumber, "12/99", "123"), shopComplete)
	if st := s.registrationStatus(t, no); st != "Failed" {
		t.Fatalf("after the declined card: %s", st)
	}
	assertProblem(t, s.do(t, http.MethodGet, recurringCardPath(demoLedger, no), s.token, nil), http.StatusNotFound, "not-found")
	if got := s.activeConsents(t, no); len(got) != 0 {
		t.Fatalf("activeConsents: %v", got)
	}

	// A new registration replacing a completed consent: the new card is the consent.
	u = s.startRegistration(t, no, shopComplete, shopCancel, "en-US")
	expectRedirect(t, "verify", b.verify(u, docCardNumber, docCardExpiry, "123"), shopComplete)
	u = s.startRegistration(t, no, shopComplete, shopCancel, "en-US")
	expectRedirect(t, "verify another card", b.verify(u, "4925 0000 0000 0004", "11/2031", "999"), shopComplete)
	r2 := s.do(t, http.MethodGet, recurringCardPath(demoLedger, no), s.token, nil)
	expectStatus(t, r2, http.StatusOK)
	assertContainsJSON(t, "the second card", map[string]any{"instrumentDisplayName": "492500******0004", "cardExpiryDate": "11/2031", "consentExpiryDate": "11-2031"}, r2.object(t))

	s.stop(t)
	want := []string{"CustomerCreated",
		"RecurringCardRegistrationStarted", "RecurringCardRegistrationAborted",
		"RecurringCardRegistrationStarted", "RecurringCardRegistrationFailed",
		"RecurringCardRegistrationStarted", "RecurringCardRegistrationCompleted",
		"RecurringCardRegistrationStarted", "RecurringCardRegistrationCompleted"}
	events := streamEvents(readEvents(t, s.dir), demoLedger, no)
	if got := eventTypes(events); !slices.Equal(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	if !strings.Contains(string(events[2].Data), `"reason":"cancelled"`) || !strings.Contains(string(events[4].Data), `"reason":"declined"`) {
		t.Errorf("reasons: %s %s", events[2].Data, events[4].Data)
	}
	// The results the sandbox form recorded are in the trace of the form's request, as every
	// event is in its request's.
	for _, e := range events {
		if !tracing.Parse(e.TraceParent, e.TraceState).IsValid() {
			t.Errorf("%s (version %d) has no trace context: %q", e.Type, e.Version, e.TraceParent)
		}
	}
}

// TestE2ESandboxPageLanguages: the page speaks the registration's language.
func TestE2ESandboxPageLanguages(t *testing.T) {
	s := startServer(t)
	b := newSandboxBrowser(t)
	for i, tt := range []struct{ lang, title, verify string }{
		{"en-US", "Register your card", "Verify card"},
		{"sv-SE", "Registrera ditt kort", "Verifiera kortet"},
		{"nb-NO", "Registrer kortet ditt", "Verifiser kortet"},
		{"da-DK", "Registrer dit kort", "Verificer kortet"},
		{"fi-FI", "Rekisteröi korttisi", "Tarkista kortti"},
	} {
		no := "73" + itoa(10+i)
		s.createCustomer(t, s.token, newCustomer(no, "Language Test"))
		page := b.open(s.startRegistration(t, no, shopComplete, shopCancel, tt.lang))
		if page.Status != http.StatusOK || !strings.Contains(page.Body, `<html lang="`+tt.lang+`">`) ||
			!strings.Contains(page.Body, "<title>"+tt.title+"</title>") || !strings.Contains(page.Body, ">"+tt.verify+"</button>") {
			t.Errorf("%s: %d\n%s", tt.lang, page.Status, page.Body)
		}
		if !strings.Contains(page.Body, `href="/card-verification/sandbox/assets/sandbox.css"`) || strings.Contains(page.Body, "//cdn") || strings.Contains(page.Body, "<script") {
			t.Errorf("%s: the page loads something besides its own stylesheet", tt.lang)
		}
	}
	css := b.open(s.base + "/card-verification/sandbox/assets/sandbox.css")
	if css.Status != http.StatusOK || !strings.HasPrefix(css.Header.Get("Content-Type"), "text/css") || !strings.Contains(css.Body, "main {") {
		t.Fatalf("stylesheet: %d %s", css.Status, css.Header.Get("Content-Type"))
	}
}

// TestE2ESandboxSafety: the page's form is refused without the page's cookie, with another
// token, or posted cross-site; a completed registration cannot be completed again; unknown and
// replaced registrations have no page; the page forbids framing, caching and referrers.
func TestE2ESandboxSafety(t *testing.T) {
	s := startServer(t)
	no := "7400"
	s.createCustomer(t, s.token, newCustomer(no, "Sandbox Safety"))
	u := s.startRegistration(t, no, shopComplete, shopCancel, "en-US")
	b := newSandboxBrowser(t)
	page := b.open(u)
	for name, want := range map[string]string{
		"X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer", "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff",
	} {
		if got := page.Header.Get(name); got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
	csp := page.Header.Get("Content-Security-Policy")
	for _, d := range []string{"default-src 'none'", "frame-ancestors 'none'", "form-action 'self' https://shop.example"} {
		if !strings.Contains(csp, d) {
			t.Errorf("Content-Security-Policy %q lacks %q", csp, d)
		}
	}
	var cookie *http.Cookie
	for _, c := range (&http.Response{Header: page.Header}).Cookies() {
		cookie = c
	}
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode || !strings.HasSuffix(u, cookie.Path) {
		t.Fatalf("form cookie %+v", cookie)
	}
	tok := formToken(t, page)
	card := url.Values{"token": {tok}, "action": {"verify"}, "pan": {docCardNumber}, "expiry": {docCardExpiry}, "cvc": {"123"}}

	// Without the page's cookie (a form posted from another site, or a replay elsewhere).
	stranger := newSandboxBrowser(t)
	if r := stranger.post(u, card); r.Status != http.StatusForbidden {
		t.Fatalf("without the cookie: %d", r.Status)
	}
	// The stranger's own page gives it its own cookie, which the first token does not match.
	stranger.open(u)
	if r := stranger.post(u, card); r.Status != http.StatusForbidden {
		t.Fatalf("another page's token: %d", r.Status)
	}
	if r := b.post(u, url.Values{"token": {tok + "x"}, "action": {"cancel"}}); r.Status != http.StatusForbidden {
		t.Fatalf("a forged token: %d", r.Status)
	}
	if r := b.post(u, card, "Sec-Fetch-Site", "cross-site"); r.Status != http.StatusForbidden {
		t.Fatalf("posted cross-site: %d", r.Status)
	}
	if st := s.registrationStatus(t, no); st != "Initialized" {
		t.Fatalf("after refused forms: %s", st)
	}

	expectRedirect(t, "verify", b.post(u, card), shopComplete)
	// A replay of the same form, and a cancel after: the registration ended once.
	if r := b.post(u, card); r.Status != http.StatusConflict || !strings.Contains(r.Body, "already ended") {
		t.Fatalf("replayed: %d\n%s", r.Status, r.Body)
	}
	if r := b.open(u); r.Status != http.StatusConflict || !strings.Contains(r.Body, shopComplete[:len("https://shop.example/complete")]) {
		t.Fatalf("the page of a completed registration: %d\n%s", r.Status, r.Body)
	}
	// Unknown ids, and ids that cannot be ids.
	for _, id := range []string{"AAAAAAAAAAAAAAAAAAAAAAAA", "x", "..%2F..%2Fetc", strings.Repeat("a", 200)} {
		if r := b.open(s.base + "/card-verification/sandbox/" + id); r.Status != http.StatusNotFound {
			t.Errorf("page %q: %d", id, r.Status)
		}
	}
	// A replaced registration's page is gone.
	u2 := s.startRegistration(t, no, shopComplete, shopCancel, "en-US")
	if r := b.open(u); r.Status != http.StatusNotFound {
		t.Fatalf("the page of a replaced registration: %d", r.Status)
	}
	if r := b.open(u2); r.Status != http.StatusOK {
		t.Fatalf("the new page: %d", r.Status)
	}
	if r := b.post(u2, url.Values{"token": {tok}, "action": {"cancel"}}); r.Status != http.StatusForbidden {
		t.Fatalf("the old registration's token on the new page: %d", r.Status)
	}
	s.stop(t)
	var completions int
	for _, e := range streamEvents(readEvents(t, s.dir), demoLedger, no) {
		if e.Type == "RecurringCardRegistrationCompleted" {
			completions++
		}
	}
	if completions != 1 {
		t.Fatalf("%d completions, want 1", completions)
	}
}

// TestE2ECardRegistrationExpiry: on the service's clock, a registration left Initialized is
// Aborted at its expiry time (configurable); its page says so and takes no card; a new one may
// start; ledgerd records the expiry (RecurringCardRegistrationAborted, reason expired) once.
func TestE2ECardRegistrationExpiry(t *testing.T) {
	start := time.Now().UTC().Truncate(time.Second)
	clock := &testClock{t: start}
	s := startServer(t, withClock(clock.now), withArgs("-card-registration-ttl", "10m"), keepSpans())
	b := newSandboxBrowser(t)
	for _, no := range []string{"7500", "7501", "7502"} {
		s.createCustomer(t, s.token, newCustomer(no, "Expiry Test"))
	}
	u0 := s.startRegistration(t, "7500", shopComplete, shopCancel, "sv-SE")
	u1 := s.startRegistration(t, "7501", shopComplete, shopCancel, "en-US")
	page1 := b.open(u1)
	tok1 := formToken(t, page1)

	clock.set(start.Add(10*time.Minute - time.Second))
	if st := s.registrationStatus(t, "7500"); st != "Initialized" {
		t.Fatalf("a second before its expiry: %s", st)
	}
	if n, err := s.m.expiry.sweep(t.Context()); err != nil || n != 0 {
		t.Fatalf("sweep before the expiry: %d %v", n, err)
	}
	u2 := s.startRegistration(t, "7502", shopComplete, shopCancel, "en-US") // expires 10 minutes after this

	clock.set(start.Add(10 * time.Minute))
	if st := s.registrationStatus(t, "7500"); st != "Aborted" {
		t.Fatalf("at its expiry: %s, want Aborted", st)
	}
	if r := b.open(u0); r.Status != http.StatusGone || !strings.Contains(r.Body, "Kortregistreringen har gått ut.") || !strings.Contains(r.Body, `href="https://shop.example/cancel?order=1"`) {
		t.Fatalf("the expired page: %d\n%s", r.Status, r.Body)
	}
	// A card sent after the expiry is not taken: the expiry is recorded and the browser goes to
	// cancelUrl.
	expectRedirect(t, "verify after expiry", b.post(u1, url.Values{"token": {tok1}, "action": {"verify"}, "pan": {docCardNumber}, "expiry": {docCardExpiry}, "cvc": {"123"}}), shopCancel)
	assertProblem(t, s.do(t, http.MethodGet, recurringCardPath(demoLedger, "7501"), s.token, nil), http.StatusNotFound, "not-found")
	// The sweep records the rest that expired (7500, not 7502), once.
	if n, err := s.m.expiry.sweep(t.Context()); err != nil || n != 1 {
		t.Fatalf("sweep at the expiry: %d %v, want 1", n, err)
	}
	if n, err := s.m.expiry.sweep(t.Context()); err != nil || n != 0 {
		t.Fatalf("sweep again: %d %v, want 0", n, err)
	}
	if st := s.registrationStatus(t, "7502"); st != "Initialized" {
		t.Fatalf("the later registration: %s", st)
	}
	// A new registration may start.
	s.startRegistration(t, "7500", shopComplete, shopCancel, "en-US")
	clock.set(start.Add(30 * time.Minute))
	if st := s.registrationStatus(t, "7502"); st != "Aborted" {
		t.Fatalf("the later registration after its expiry: %s", st)
	}
	if b.open(u2).Status != http.StatusGone {
		t.Fatal("the later page after its expiry")
	}

	s.stop(t)
	all := readEvents(t, s.dir)
	for no, want := range map[string][]string{
		"7500": {"CustomerCreated", "RecurringCardRegistrationStarted", "RecurringCardRegistrationAborted", "RecurringCardRegistrationStarted"},
		"7501": {"CustomerCreated", "RecurringCardRegistrationStarted", "RecurringCardRegistrationAborted"},
		"7502": {"CustomerCreated", "RecurringCardRegistrationStarted"},
	} {
		events := streamEvents(all, demoLedger, no)
		if got := eventTypes(events); !slices.Equal(got, want) {
			t.Errorf("%s: events %v, want %v", no, got, want)
			continue
		}
		if len(events) > 2 && !strings.Contains(string(events[2].Data), `"reason":"expired"`) {
			t.Errorf("%s: %s", no, events[2].Data)
		}
	}
	e := streamEvents(all, demoLedger, "7500")[2]
	if e.Actor != expiryActor {
		t.Errorf("the sweep's expiry was recorded by %q", e.Actor)
	}
	// Every event names its correlation and its cause: for the sweep, the pass that recorded it.
	if e.CorrelationID == "" || e.CausationID == "" || e.CausationID == e.CorrelationID {
		t.Errorf("the sweep's expiry: correlation id %q, causation id %q", e.CorrelationID, e.CausationID)
	}
	// The sweep's expiry has a trace of its own: the event records the sweep's span, which the
	// command's span is a child of.
	sc := tracing.Parse(e.TraceParent, e.TraceState)
	if !sc.IsValid() {
		t.Fatalf("the sweep's expiry has no trace context: %q", e.TraceParent)
	}
	spans := inTrace(s.spans.await(t, "the sweep's spans", func(s []sdktrace.ReadOnlySpan) bool { return hasNamed(inTrace(s, sc.TraceID()), spanExpiry) }), sc.TraceID())
	expiry, cmd := named(spans, spanExpiry), named(spans, "command expireCardRegistration")
	if len(expiry) != 1 || expiry[0].SpanContext().SpanID() != sc.SpanID() || expiry[0].Parent().IsValid() || len(cmd) != 1 || !childOf(cmd[0], sc) {
		t.Errorf("the sweep's trace: %d expiry spans, %d command spans\n%s", len(expiry), len(cmd), s.spans.Text())
	}
}
