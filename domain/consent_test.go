package domain_test

import (
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/nordledger/ledger/domain"
)

// The document's start example, as sent.
func docStartInput() domain.StartCardRegistrationInput {
	return domain.StartCardRegistrationInput{
		CompleteURL: s("https://www.google.com/search?q=cancelurl"),
		CancelURL:   s("https://www.google.com/search?q=completeurl"),
		Language:    s("en-US"),
	}
}

const (
	regID   = "Qm9hcmQtcmVnaXN0cmF0aW9u"
	regID2  = "c2Vjb25kLXJlZ2lzdHJhdGlvbg"
	tokenA  = "2eb28854-07ec-4e88-b672-7c61cc54b461"
	tokenB  = "9b2f4a5e-1c3d-4e5f-8a9b-0c1d2e3f4a5b"
	ttl     = 30 * time.Minute
	docMask = "551000******1232"
)

var sandboxSession = domain.CardVerificationSession{Provider: "sandbox", RedirectURL: "http://127.0.0.1:8080/card-verification/sandbox/" + regID}

func mustStart(t *testing.T) domain.StartCardRegistration {
	t.Helper()
	cmd, err := domain.ParseStartCardRegistration(docStartInput())
	if err != nil {
		t.Fatal(err)
	}
	return cmd
}

func completed(token string) domain.CardVerificationResult {
	return domain.CardVerificationResult{Outcome: domain.OutcomeCompleted, CardToken: token, InstrumentDisplayName: docMask,
		CardExpiryDate: "04/2035", ConsentExpiryDate: "04-2035"}
}

// started returns a customer with registration id started at now (the customer's last event is
// at most a few minutes after today, the tests' clock).
func started(t *testing.T, id string, now time.Time) *domain.Customer {
	t.Helper()
	c := newCustomer(t, minimalInput())
	events, err := c.StartCardRegistration(mustStart(t), id, sandboxSession, now, now.Add(ttl))
	if err != nil {
		t.Fatal(err)
	}
	apply(t, c, events...)
	return c
}

func TestParseStartCardRegistration(t *testing.T) {
	cmd := mustStart(t)
	if cmd.CompleteURL() != "https://www.google.com/search?q=cancelurl" || cmd.CancelURL() != "https://www.google.com/search?q=completeurl" || cmd.Language() != "en-US" {
		t.Fatalf("got %+v", cmd)
	}
	for _, lang := range domain.CardVerificationLanguages {
		in := docStartInput()
		in.Language = s(lang)
		if c, err := domain.ParseStartCardRegistration(in); err != nil || c.Language() != lang {
			t.Errorf("language %s: %v %q", lang, err, c.Language())
		}
	}
	in := docStartInput()
	in.Language = s("SV-se")
	if c, err := domain.ParseStartCardRegistration(in); err != nil || c.Language() != "sv-SE" {
		t.Errorf("sv-se in another case: %v %q, want sv-SE", err, c.Language())
	}

	tests := []struct {
		name string
		edit func(*domain.StartCardRegistrationInput)
		want []string
	}{
		{"nothing sent", func(in *domain.StartCardRegistrationInput) { *in = domain.StartCardRegistrationInput{} },
			[]string{"cancelUrl", "completeUrl", "language"}},
		{"nulls", func(in *domain.StartCardRegistrationInput) {
			in.CompleteURL, in.CancelURL, in.Language = domain.Null[string](), domain.Null[string](), domain.Null[string]()
		}, []string{"cancelUrl", "completeUrl", "language"}},
		{"every field wrong at once", func(in *domain.StartCardRegistrationInput) {
			in.CompleteURL, in.CancelURL, in.Language = s("/relative/complete"), s("ftp://example.com/cancel"), s("sv")
		}, []string{"cancelUrl", "completeUrl", "language"}},
		{"language not offered", func(in *domain.StartCardRegistrationInput) { in.Language = s("de-DE") }, []string{"language"}},
		{"language without country", func(in *domain.StartCardRegistrationInput) { in.Language = s("en") }, []string{"language"}},
		{"empty URL", func(in *domain.StartCardRegistrationInput) { in.CompleteURL = s("") }, []string{"completeUrl"}},
		{"no host", func(in *domain.StartCardRegistrationInput) { in.CompleteURL = s("https:///path") }, []string{"completeUrl"}},
		{"scheme only", func(in *domain.StartCardRegistrationInput) { in.CompleteURL = s("https:") }, []string{"completeUrl"}},
		{"javascript", func(in *domain.StartCardRegistrationInput) { in.CancelURL = s("javascript:alert(1)") }, []string{"cancelUrl"}},
		{"opaque", func(in *domain.StartCardRegistrationInput) { in.CancelURL = s("http:example.com") }, []string{"cancelUrl"}},
		{"user information", func(in *domain.StartCardRegistrationInput) { in.CancelURL = s("https://user:pw@shop.example/") }, []string{"cancelUrl"}},
		{"space", func(in *domain.StartCardRegistrationInput) { in.CancelURL = s("https://shop.example/a b") }, []string{"cancelUrl"}},
		{"newline", func(in *domain.StartCardRegistrationInput) {
			in.CancelURL = s("https://shop.example/\r\nSet-Cookie: x")
		}, []string{"cancelUrl"}},
		{"too long", func(in *domain.StartCardRegistrationInput) {
			in.CancelURL = s("https://shop.example/" + longPath(2100))
		}, []string{"cancelUrl"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := docStartInput()
			tt.edit(&in)
			_, err := domain.ParseStartCardRegistration(in)
			if got := problemNames(t, err); !slices.Equal(got, tt.want) {
				t.Fatalf("problems %v, want %v", got, tt.want)
			}
			noLeak(t, err, in.CompleteURL.Value, in.CancelURL.Value, in.Language.Value)
		})
	}
	for _, ok := range []string{"http://localhost:8081/done", "https://shop.example:8443/a/b?c=d&e=f#frag", "http://[::1]:9/x", "HTTPS://SHOP.EXAMPLE/"} {
		if p := domain.RedirectURLProblem(ok); p != "" {
			t.Errorf("%s: %s", ok, p)
		}
	}
}

func longPath(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = 'a'
	}
	return string(b)
}

// TestCardRegistrationLifecycle: start → Initialized; a second start is a conflict while it is
// active; completing registers the consent (activeConsents, the recurring card); a completed
// registration cannot be completed again; a new registration may start and replaces the consent;
// removing the consent withdraws it.
func TestCardRegistrationLifecycle(t *testing.T) {
	now := today.Add(time.Hour)
	c := started(t, regID, now)
	st := c.State()
	reg := st.CardRegistration
	if reg == nil || reg.RegistrationID != regID || reg.Status != domain.CardRegistrationInitialized || reg.Language != "en-US" ||
		reg.RedirectURL != sandboxSession.RedirectURL || !reg.ExpiresAt.Equal(now.Add(ttl)) || reg.Provider != "sandbox" {
		t.Fatalf("registration after start: %+v", reg)
	}
	if got := st.ActiveConsentsAt(now); len(got) != 0 {
		t.Fatalf("activeConsents before completion: %v", got)
	}

	_, err := c.StartCardRegistration(mustStart(t), regID2, sandboxSession, now.Add(time.Minute), now.Add(time.Minute+ttl))
	if !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("second start while active: %v, want a conflict", err)
	}
	if err := c.CheckCardRegistrationStart(now.Add(time.Minute)); !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("CheckCardRegistrationStart while active: %v", err)
	}

	events, err := c.FinishCardRegistration(regID, completed(tokenA), now.Add(2*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	assertEvents(t, events, []domain.Event{domain.RecurringCardRegistrationCompleted{RegistrationID: regID, CardToken: tokenA,
		InstrumentDisplayName: docMask, CardExpiryDate: "04/2035", ConsentExpiryDate: "04-2035"}})
	apply(t, c, events...)
	st = c.State()
	if st.CardRegistration.Status != domain.CardRegistrationCompleted {
		t.Fatalf("status %s", st.CardRegistration.Status)
	}
	consent, ok := st.RecurringCardAt(now)
	if !ok || consent.CardToken != tokenA || consent.InstrumentDisplayName != docMask || consent.CardExpiryDate != "04/2035" || consent.ConsentExpiryDate != "04-2035" {
		t.Fatalf("consent: %+v %v", consent, ok)
	}
	if got := st.ActiveConsentsAt(now); !slices.Equal(got, []string{"RecurringCard"}) {
		t.Fatalf("activeConsents %v", got)
	}

	// Completed once: completing (or cancelling) again is a conflict and changes nothing.
	for _, res := range []domain.CardVerificationResult{completed(tokenB), {Outcome: domain.OutcomeAborted}} {
		if ev, err := c.FinishCardRegistration(regID, res, now.Add(3*time.Minute)); !errors.Is(err, domain.ErrConflict) || ev != nil {
			t.Fatalf("finishing a completed registration: %v %v, want a conflict", ev, err)
		}
	}
	if _, err := c.FinishCardRegistration("bm90LXRoZS1yZWdpc3RyYXRpb24", completed(tokenB), now); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("unknown registration: %v, want not found", err)
	}

	// A new registration may start once the last one ended; completing it replaces the consent.
	events, err = c.StartCardRegistration(mustStart(t), regID2, sandboxSession, now.Add(4*time.Minute), now.Add(4*time.Minute+ttl))
	if err != nil || len(events) != 1 {
		t.Fatalf("start after completion: %v %v", events, err)
	}
	apply(t, c, events...)
	if _, err := c.FinishCardRegistration(regID, completed(tokenB), now.Add(5*time.Minute)); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("finishing the replaced registration: %v, want not found", err)
	}
	events, err = c.FinishCardRegistration(regID2, completed(tokenB), now.Add(5*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	apply(t, c, events...)
	st = c.State()
	if consent, _ := st.RecurringCardAt(now); consent.CardToken != tokenB || !slices.Equal(st.ActiveConsents, []string{"RecurringCard"}) {
		t.Fatalf("after the second completion: %+v %v", consent, st.ActiveConsents)
	}

	events, err = c.RemoveRecurringCardConsent(now)
	if err != nil {
		t.Fatal(err)
	}
	assertEvents(t, events, []domain.Event{domain.RecurringCardConsentRemoved{CardToken: tokenB}})
	apply(t, c, events...)
	st = c.State()
	if _, ok := st.RecurringCardAt(now); ok || len(st.ActiveConsentsAt(now)) != 0 || len(st.ActiveConsents) != 0 {
		t.Fatalf("after removal: %+v %v", st.RecurringCard, st.ActiveConsents)
	}
	if _, err := c.RemoveRecurringCardConsent(now); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("removing again: %v, want not found", err)
	}
}

// TestCardRegistrationEnds: cancel → Aborted (cancelled), fail → Failed with the reason; neither
// registers a consent.
func TestCardRegistrationEnds(t *testing.T) {
	now := today.Add(time.Hour)
	for _, tt := range []struct {
		res    domain.CardVerificationResult
		status domain.CardRegistrationStatus
		event  domain.Event
	}{
		{domain.CardVerificationResult{Outcome: domain.OutcomeAborted}, domain.CardRegistrationAborted,
			domain.RecurringCardRegistrationAborted{RegistrationID: regID, Reason: domain.AbortCancelled}},
		{domain.CardVerificationResult{Outcome: domain.OutcomeFailed, Reason: "declined"}, domain.CardRegistrationFailed,
			domain.RecurringCardRegistrationFailed{RegistrationID: regID, Reason: "declined"}},
	} {
		c := started(t, regID, now)
		events, err := c.FinishCardRegistration(regID, tt.res, now.Add(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		assertEvents(t, events, []domain.Event{tt.event})
		apply(t, c, events...)
		st := c.State()
		if st.CardRegistration.StatusAt(now.Add(time.Hour)) != tt.status || st.RecurringCard != nil || len(st.ActiveConsents) != 0 {
			t.Fatalf("%s: %+v", tt.status, st)
		}
		if err := c.CheckCardRegistrationStart(now.Add(2 * time.Minute)); err != nil {
			t.Fatalf("%s: a new registration may start: %v", tt.status, err)
		}
	}
	c := started(t, regID, now)
	if _, err := c.FinishCardRegistration(regID, domain.CardVerificationResult{Outcome: domain.OutcomeFailed}, now); err == nil {
		t.Fatal("a failed result without a reason was accepted (it cannot be parsed)")
	}
	if _, err := c.FinishCardRegistration(regID, domain.CardVerificationResult{Outcome: domain.OutcomeCompleted}, now); err == nil {
		t.Fatal("a completed result without a card was accepted (it cannot be parsed)")
	}
}

// TestCardRegistrationExpiry: an Initialized registration is over at its expiry time (StatusAt
// Aborted, no longer active); finishing it then records the expiry instead; ExpireCardRegistration
// records it once; a new start records it before the new registration.
func TestCardRegistrationExpiry(t *testing.T) {
	now := today.Add(time.Hour)
	expiry := now.Add(ttl)
	c := started(t, regID, now)
	reg := c.State().CardRegistration
	if reg.StatusAt(expiry.Add(-time.Nanosecond)) != domain.CardRegistrationInitialized || !reg.Active(expiry.Add(-time.Nanosecond)) {
		t.Fatal("not Initialized just before its expiry")
	}
	if reg.StatusAt(expiry) != domain.CardRegistrationAborted || reg.Active(expiry) || !reg.Expired(expiry) {
		t.Fatal("not over at its expiry")
	}
	if ev, err := c.ExpireCardRegistration(regID, expiry.Add(-time.Second)); err != nil || ev != nil {
		t.Fatalf("expiring before the time: %v %v", ev, err)
	}
	expired := domain.RecurringCardRegistrationAborted{RegistrationID: regID, Reason: domain.AbortExpired}
	events, err := c.FinishCardRegistration(regID, completed(tokenA), expiry)
	if err != nil {
		t.Fatal(err)
	}
	assertEvents(t, events, []domain.Event{expired})

	events, err = c.ExpireCardRegistration(regID, expiry)
	if err != nil {
		t.Fatal(err)
	}
	assertEvents(t, events, []domain.Event{expired})
	if ev, _ := c.ExpireCardRegistration(regID2, expiry); ev != nil {
		t.Fatalf("expiring another id: %v", ev)
	}
	apply(t, c, events...)
	if ev, err := c.ExpireCardRegistration(regID, expiry.Add(time.Hour)); err != nil || ev != nil {
		t.Fatalf("expiring twice: %v %v", ev, err)
	}
	if st := c.State(); st.CardRegistration.Status != domain.CardRegistrationAborted || st.CardRegistration.Reason != domain.AbortExpired || st.RecurringCard != nil {
		t.Fatalf("after expiry: %+v", st.CardRegistration)
	}

	// A start after an unrecorded expiry records it first.
	c = started(t, regID, now)
	events, err = c.StartCardRegistration(mustStart(t), regID2, sandboxSession, expiry, expiry.Add(ttl))
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 2 || !reflect.DeepEqual(events[0], domain.Event(expired)) || events[1].(domain.RecurringCardRegistrationStarted).RegistrationID != regID2 {
		t.Fatalf("start after expiry: %s", dump(events))
	}
	apply(t, c, events...)
	if st := c.State(); st.CardRegistration.RegistrationID != regID2 || st.CardRegistration.Status != domain.CardRegistrationInitialized {
		t.Fatalf("after the new start: %+v", st.CardRegistration)
	}
}

// TestRecurringCardConsentExpiry: the consent is in force through the last day of its expiry
// month (UTC): activeConsents and the recurring card drop it after, and it can no longer be
// removed.
func TestRecurringCardConsentExpiry(t *testing.T) {
	now := today.Add(time.Hour)
	c := started(t, regID, now)
	res := completed(tokenA)
	res.ConsentExpiryDate = "06-2026" // today is 2026-06-15
	events, err := c.FinishCardRegistration(regID, res, now)
	if err != nil {
		t.Fatal(err)
	}
	apply(t, c, events...)
	st := c.State()
	lastInstant := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC).Add(-time.Nanosecond)
	if _, ok := st.RecurringCardAt(lastInstant); !ok || !slices.Equal(st.ActiveConsentsAt(lastInstant), []string{"RecurringCard"}) {
		t.Fatal("not in force on the last day of its month")
	}
	after := lastInstant.Add(time.Nanosecond)
	if _, ok := st.RecurringCardAt(after); ok || len(st.ActiveConsentsAt(after)) != 0 {
		t.Fatal("in force after its month")
	}
	if _, err := c.RemoveRecurringCardConsent(after); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("removing an expired consent: %v", err)
	}
	// Other consents stay (none are recorded yet, but the list keeps what it holds).
	st.ActiveConsents = []string{"Autogiro", "RecurringCard"}
	if got := st.ActiveConsentsAt(after); !slices.Equal(got, []string{"Autogiro"}) {
		t.Fatalf("ActiveConsentsAt = %v", got)
	}
}

// TestStartCardRegistrationRejectsBugs: ids, sessions and expiry times a caller must never pass
// are errors, not events.
func TestStartCardRegistrationRejectsBugs(t *testing.T) {
	now := today.Add(time.Hour)
	c := newCustomer(t, minimalInput())
	cmd := mustStart(t)
	for name, f := range map[string]func() ([]domain.Event, error){
		"short id": func() ([]domain.Event, error) {
			return c.StartCardRegistration(cmd, "short", sandboxSession, now, now.Add(ttl))
		},
		"id with slash": func() ([]domain.Event, error) {
			return c.StartCardRegistration(cmd, "abcdefgh/ijklmnopq", sandboxSession, now, now.Add(ttl))
		},
		"no provider": func() ([]domain.Event, error) {
			return c.StartCardRegistration(cmd, regID, domain.CardVerificationSession{RedirectURL: "https://x.example/"}, now, now.Add(ttl))
		},
		"relative redirect": func() ([]domain.Event, error) {
			return c.StartCardRegistration(cmd, regID, domain.CardVerificationSession{Provider: "http", RedirectURL: "/x"}, now, now.Add(ttl))
		},
		"expired at start": func() ([]domain.Event, error) { return c.StartCardRegistration(cmd, regID, sandboxSession, now, now) },
		"command not parsed": func() ([]domain.Event, error) {
			return c.StartCardRegistration(domain.StartCardRegistration{}, regID, sandboxSession, now, now.Add(ttl))
		},
		"no customer": func() ([]domain.Event, error) {
			return new(domain.Customer).StartCardRegistration(cmd, regID, sandboxSession, now, now.Add(ttl))
		},
	} {
		if ev, err := f(); err == nil {
			t.Errorf("%s: got %s, want an error", name, dump(ev))
		}
	}
	if !domain.ValidRegistrationID(regID) || domain.ValidRegistrationID("../../etc/passwd") {
		t.Error("ValidRegistrationID")
	}
}

// TestApplyConsentRejectsImpossibleStreams: consent events that do not fit the state are errors
// and change nothing.
func TestApplyConsentRejectsImpossibleStreams(t *testing.T) {
	now := today.Add(time.Hour)
	startedEvent := domain.RecurringCardRegistrationStarted{RegistrationID: regID, Provider: "sandbox", RedirectURL: sandboxSession.RedirectURL,
		CompleteURL: "https://a.example/", CancelURL: "https://a.example/", Language: "en-US", ExpiresAt: now.Add(ttl)}
	done := domain.RecurringCardRegistrationCompleted{RegistrationID: regID, CardToken: tokenA, InstrumentDisplayName: docMask, CardExpiryDate: "04/2035", ConsentExpiryDate: "04-2035"}
	tests := []struct {
		name   string
		before []domain.Event
		bad    domain.Event
	}{
		{"completed without a registration", nil, done},
		{"aborted without a registration", nil, domain.RecurringCardRegistrationAborted{RegistrationID: regID, Reason: "cancelled"}},
		{"failed for another registration", []domain.Event{startedEvent}, domain.RecurringCardRegistrationFailed{RegistrationID: regID2, Reason: "declined"}},
		{"second start while initialized", []domain.Event{startedEvent}, startedEvent},
		{"completed twice", []domain.Event{startedEvent, done}, done},
		{"consent removed without one", nil, domain.RecurringCardConsentRemoved{CardToken: tokenA}},
		{"another card's consent removed", []domain.Event{startedEvent, done}, domain.RecurringCardConsentRemoved{CardToken: tokenB}},
		{"completed with a bad consent expiry", []domain.Event{startedEvent}, domain.RecurringCardRegistrationCompleted{RegistrationID: regID, CardToken: tokenA, ConsentExpiryDate: "13-2035"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCustomer(t, minimalInput())
			apply(t, c, tt.before...)
			before := c.State()
			if err := c.Apply(domain.Recorded{Event: tt.bad, Version: c.Version() + 1, Time: now}); err == nil {
				t.Fatal("applied")
			}
			if !reflect.DeepEqual(c.State(), before) {
				t.Fatal("the state changed")
			}
		})
	}
}

func TestParseCardVerificationResult(t *testing.T) {
	in := domain.CardVerificationResultInput{Outcome: s("completed"), CardToken: s("2EB28854-07EC-4E88-B672-7C61CC54B461"),
		InstrumentDisplayName: s(docMask), CardExpiryDate: s("04/2035")}
	got, err := domain.ParseCardVerificationResult(in)
	if err != nil {
		t.Fatal(err)
	}
	if want := completed(tokenA); got != want {
		t.Fatalf("got %+v, want %+v (consent expiry from the card's, token in lower case)", got, want)
	}
	got, err = domain.ParseCardVerificationResult(domain.CardVerificationResultInput{Outcome: s("Aborted")})
	if err != nil || got.Outcome != domain.OutcomeAborted || got.Reason != domain.AbortCancelled {
		t.Fatalf("aborted: %+v %v", got, err)
	}
	got, err = domain.ParseCardVerificationResult(domain.CardVerificationResultInput{Outcome: s("failed"), Reason: s("declined")})
	if err != nil || got.Outcome != domain.OutcomeFailed || got.Reason != "declined" {
		t.Fatalf("failed: %+v %v", got, err)
	}

	tests := []struct {
		name string
		in   domain.CardVerificationResultInput
		want []string
	}{
		{"nothing", domain.CardVerificationResultInput{}, []string{"outcome"}},
		{"unknown outcome", domain.CardVerificationResultInput{Outcome: s("approved")}, []string{"outcome"}},
		{"completed without a card", domain.CardVerificationResultInput{Outcome: s("completed")},
			[]string{"cardExpiryDate", "cardToken", "instrumentDisplayName"}},
		{"completed, everything wrong", domain.CardVerificationResultInput{Outcome: s("completed"), CardToken: s("not-a-guid"),
			InstrumentDisplayName: s("5510000000001232"), CardExpiryDate: s("04-2035"), ConsentExpiryDate: s("04/2035"), Reason: s("x")},
			[]string{"cardExpiryDate", "cardToken", "consentExpiryDate", "instrumentDisplayName", "reason"}},
		{"a whole card number with one star", domain.CardVerificationResultInput{Outcome: s("completed"), CardToken: s(tokenA),
			InstrumentDisplayName: s("55100000000*1232"), CardExpiryDate: s("04/2035")}, []string{"instrumentDisplayName"}},
		{"letters in the masked number", domain.CardVerificationResultInput{Outcome: s("completed"), CardToken: s(tokenA),
			InstrumentDisplayName: s("551000xxxxxx1232"), CardExpiryDate: s("04/2035")}, []string{"instrumentDisplayName"}},
		{"month 13", domain.CardVerificationResultInput{Outcome: s("completed"), CardToken: s(tokenA),
			InstrumentDisplayName: s(docMask), CardExpiryDate: s("13/2035")}, []string{"cardExpiryDate"}},
		{"two-digit year", domain.CardVerificationResultInput{Outcome: s("completed"), CardToken: s(tokenA),
			InstrumentDisplayName: s(docMask), CardExpiryDate: s("04/35")}, []string{"cardExpiryDate"}},
		{"failed without a reason", domain.CardVerificationResultInput{Outcome: s("failed")}, []string{"reason"}},
		{"failed with a card", domain.CardVerificationResultInput{Outcome: s("failed"), Reason: s("declined"), CardToken: s(tokenA)}, []string{"cardToken"}},
		{"a reason that is prose", domain.CardVerificationResultInput{Outcome: s("failed"), Reason: s("Card declined by issuer")}, []string{"reason"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := domain.ParseCardVerificationResult(tt.in)
			if got := problemNames(t, err); !slices.Equal(got, tt.want) {
				t.Fatalf("problems %v, want %v", got, tt.want)
			}
		})
	}
}
