package main

// ?asOf= answers the customer as the API answered at that time: what a read judges on the
// service's clock — a card registration left Initialized past its expiry reads Aborted — is
// judged at the asOf time, not at the time of the last change before it. ?asOfVersion= answers
// as right after that change.

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/nordledger/ledger/httpapi/auth"
)

func TestE2EAsOfJudgesOnThatTime(t *testing.T) {
	start := time.Date(2026, 3, 3, 12, 0, 0, 0, time.UTC)
	clock := &testClock{t: start}
	s := startServer(t, withClock(clock.now))
	auditor := s.mint(t, "auditor", []string{demoLedger}, auth.ScopeCustomerRead, auth.ScopeAuditRead, auth.ScopeConsentWrite)
	no := "5152"
	s.createCustomer(t, s.token, newCustomer(no, "Clock Reader"))
	s.startRegistration(t, no, "https://shop.example/done", "https://shop.example/cancel", "sv-SE")
	status := func(r *response) string {
		t.Helper()
		expectStatus(t, r, http.StatusOK)
		st, _ := r.object(t)["status"].(string)
		return st
	}
	started := status(s.do(t, http.MethodGet, registrationPath(demoLedger, no), auditor, nil))
	// An hour later (the TTL is 30 minutes) the API reads it Aborted, recorded or not.
	later := start.Add(time.Hour)
	clock.set(later)
	then := status(s.do(t, http.MethodGet, registrationPath(demoLedger, no), auditor, nil))
	if started != "Initialized" || then != "Aborted" {
		t.Fatalf("registration %s, an hour later %s", started, then)
	}
	clock.set(later.Add(24 * time.Hour))
	at := later.Format(time.RFC3339Nano)
	if got := status(s.do(t, http.MethodGet, registrationPath(demoLedger, no)+"?asOf="+url.QueryEscape(at), auditor, nil)); got != then {
		t.Errorf("registration asOf=%s: %s, as the API answered then: %s", at, got, then)
	}
	if got := status(s.do(t, http.MethodGet, registrationPath(demoLedger, no)+"?asOfVersion=2", auditor, nil)); got != started {
		t.Errorf("registration asOfVersion=2 (right after it started): %s, want %s", got, started)
	}
}
