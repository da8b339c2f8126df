package main

// Consents (SPEC §3, §7): the document's Consent, Recurring-card and
// Recurring-card-redirect-registration examples sent verbatim against the real program with the
// sandbox provider, the card verified on the sandbox page; every step an event in the log and on
// NATS.

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var guidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// fillNNN replaces the document's NNN in the string values of a response body.
func fillNNN(body map[string]any, no string) {
	for k, v := range body {
		if s, ok := v.(string); ok {
			body[k] = strings.ReplaceAll(s, "NNN", no)
		}
	}
}

// activeConsents returns a customer's activeConsents.
func (s *testServer) activeConsents(t testing.TB, no string) []string {
	t.Helper()
	r := s.do(t, http.MethodGet, customersPath(demoLedger, no), s.token, nil)
	expectStatus(t, r, http.StatusOK)
	raw, ok := r.object(t)["activeConsents"].([]any)
	if !ok {
		t.Fatalf("activeConsents is not a list: %s", r)
	}
	out := []string{}
	for _, c := range raw {
		out = append(out, c.(string))
	}
	return out
}

func TestE2EConsentDocumentExamples(t *testing.T) {
	s := startServer(t)
	msgs := subscribeEvents(t, s)

	v := defaultVars(s.token, "consumer")
	no := v.CustomerNo
	expectStatus(t, s.sendDocRequest(t, "create-customer.http", v), http.StatusCreated)

	// The consent resource: the document's links.
	r := s.sendDocRequest(t, "get-consent.http", v)
	wantStatus, want := docResponse(t, "get-consent.response.http", v)
	fillNNN(want, no)
	if r.Status != wantStatus {
		t.Fatalf("GET consent: %s", r)
	}
	assertContainsJSON(t, "GET consent", want, r.object(t))
	if got := r.object(t); len(got) != len(want) {
		t.Errorf("GET consent: %s, want exactly %s", show(got), show(want))
	}

	// No consent and no registration yet.
	assertProblem(t, s.sendDocRequest(t, "get-recurring-card.http", v), http.StatusNotFound, "not-found")
	assertProblem(t, s.sendDocRequest(t, "get-recurring-card-registration.http", v), http.StatusNotFound, "not-found")
	assertProblem(t, s.sendDocRequest(t, "delete-recurring-card.http", v), http.StatusNotFound, "not-found")
	if got := s.activeConsents(t, no); len(got) != 0 {
		t.Fatalf("activeConsents before any consent: %v", got)
	}

	// Start: the document's request as printed → Initialized with a redirect URL (the sandbox
	// page here; the document's checkout URL is the external provider's).
	r = s.sendDocRequest(t, "start-recurring-card-registration.http", v)
	wantStatus, want = docResponse(t, "start-recurring-card-registration.response.http", v)
	if r.Status != wantStatus {
		t.Fatalf("start: %s; want %d", r, wantStatus)
	}
	started := r.object(t)
	want["@id"] = registrationPath(demoLedger, no) // the document's "/xxx/customers/yyy" stands for this
	redirectURL, _ := started["redirectUrl"].(string)
	want["redirectUrl"] = redirectURL
	assertContainsJSON(t, "start response", want, started)
	if !strings.HasPrefix(redirectURL, s.base+"/card-verification/sandbox/") {
		t.Fatalf("redirectUrl %q is not the sandbox page", redirectURL)
	}
	// Only one registration at a time.
	assertProblem(t, s.sendDocRequest(t, "start-recurring-card-registration.http", v), http.StatusConflict, "conflict")

	r = s.sendDocRequest(t, "get-recurring-card-registration.http", v)
	wantStatus, want = docResponse(t, "get-recurring-card-registration.response.http", v)
	want["redirectUrl"] = redirectURL
	if r.Status != wantStatus {
		t.Fatalf("GET registration: %s", r)
	}
	assertContainsJSON(t, "GET registration", want, r.object(t))

	// The person verifies the card on the sandbox page and is sent to completeUrl (the document's
	// completeUrl is the one ending in q=cancelurl: its example swaps the two).
	b := newSandboxBrowser(t)
	expectRedirect(t, "verify", b.verify(redirectURL, "5510 0000 0000 1232", docCardExpiry, "123"), "https://www.google.com/search?q=cancelurl")
	if st := s.registrationStatus(t, no); st != "Completed" {
		t.Fatalf("status after verification %q, want Completed", st)
	}

	// The consent, as the document shows it: its masked number and expiry dates are the test
	// card's; the card token is the sandbox's own (a GUID).
	r = s.sendDocRequest(t, "get-recurring-card.http", v)
	wantStatus, want = docResponse(t, "get-recurring-card.response.http", v)
	if r.Status != wantStatus {
		t.Fatalf("GET recurring-card: %s", r)
	}
	got := r.object(t)
	token, _ := got["cardToken"].(string)
	if !guidRE.MatchString(token) {
		t.Errorf("cardToken %q is not a GUID", token)
	}
	want["cardToken"] = token
	assertContainsJSON(t, "GET recurring-card", want, got)
	if keys := slices.Sorted(mapsKeys(got)); !slices.Equal(keys, slices.Sorted(mapsKeys(want))) {
		t.Errorf("GET recurring-card has properties %v, want the document's %v", keys, slices.Sorted(mapsKeys(want)))
	}
	if got := s.activeConsents(t, no); !slices.Equal(got, []string{"RecurringCard"}) {
		t.Fatalf("activeConsents after the verification: %v", got)
	}

	// Delete, as printed: 204 without a body; the consent is gone.
	r = s.sendDocRequest(t, "delete-recurring-card.http", v)
	wantStatus, _ = docResponse(t, "delete-recurring-card.response.http", v)
	if r.Status != wantStatus || len(r.Body) != 0 {
		t.Fatalf("DELETE recurring-card: %s; want %d without a body", r, wantStatus)
	}
	assertProblem(t, s.sendDocRequest(t, "get-recurring-card.http", v), http.StatusNotFound, "not-found")
	if got := s.activeConsents(t, no); len(got) != 0 {
		t.Fatalf("activeConsents after the delete: %v", got)
	}
	if st := s.registrationStatus(t, no); st != "Completed" {
		t.Fatalf("the registration stays Completed after the consent's removal, got %q", st)
	}

	// Each step is an event, published on NATS in order.
	wantTypes := []string{"CustomerCreated", "RecurringCardRegistrationStarted", "RecurringCardRegistrationCompleted", "RecurringCardConsentRemoved"}
	wait, cancel := waitContext(t)
	defer cancel()
	for i, typ := range wantTypes {
		select {
		case m := <-msgs:
			if want := "ledger.customer.v1.1000." + no + "." + typ; m.Subject != want {
				t.Fatalf("message %d subject %s, want %s", i, m.Subject, want)
			}
			if typ == "RecurringCardRegistrationCompleted" {
				// Card data is personal: on NATS it is sealed (docs/data-protection.md); the log,
				// opened with the key store, holds it (below).
				var d map[string]any
				if err := json.Unmarshal(m.Data, &d); err != nil || d["$pd"] == nil || d["registrationId"] == nil ||
					strings.Contains(string(m.Data), token) || strings.Contains(string(m.Data), "551000******1232") {
					t.Errorf("Completed on NATS: %s", m.Data)
				}
			}
		case <-wait.Done():
			t.Fatalf("only %d of %d events arrived on NATS by the test's deadline", i, len(wantTypes))
		}
	}
	s.stop(t)
	events := streamEvents(readEvents(t, s.dir), demoLedger, no)
	if got := eventTypes(events); !slices.Equal(got, wantTypes) {
		t.Fatalf("events %v, want %v", got, wantTypes)
	}
	if events[2].Actor != "card-verification/sandbox" || events[1].Actor != "developer" || events[3].Actor != "developer" {
		t.Errorf("actors %q %q %q", events[1].Actor, events[2].Actor, events[3].Actor)
	}
	for _, e := range events {
		if strings.Contains(string(e.Data), docCardNumber) {
			t.Errorf("%s holds the card number", e.Type)
		}
	}
	var completed map[string]any
	if err := json.Unmarshal(events[2].Data, &completed); err != nil || completed["instrumentDisplayName"] != "551000******1232" || completed["cardToken"] != token {
		t.Errorf("Completed in the log, opened: %s", events[2].Data)
	}
}

func mapsKeys(m map[string]any) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}
