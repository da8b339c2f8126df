package main

// A customer's trail is in time order as well as version order: a change whose time was taken
// before the change ahead of it in the customer's queue (or after a step back of the server's
// clock) is stamped no earlier than that change, so ?asOf= at the time the trail gives for a
// version answers that version — never an earlier one.

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/nordledger/ledger/httpapi/auth"
)

func TestE2ETrailTimesFollowVersions(t *testing.T) {
	start := time.Date(2026, 3, 29, 0, 59, 59, 999999999, time.UTC) // the night of a DST change
	clock := &testClock{t: start}
	s := startServer(t, withClock(clock.now))
	tok := s.mint(t, "auditor", []string{demoLedger}, auth.ScopeCustomerRead, auth.ScopeCustomerWrite, auth.ScopeAuditRead)
	no := "5151"
	self := customersPath(demoLedger, no)
	expectStatus(t, s.do(t, http.MethodPost, customersPath(demoLedger), tok, newCustomer(no, "Clock Stepper")), http.StatusCreated)
	clock.set(start.Add(2 * time.Second))
	expectStatus(t, s.do(t, http.MethodPatch, self, tok, `{"emailAddress": "a@example.se"}`), http.StatusOK)
	// The server's clock steps back (an NTP correction), or a request took its time before the
	// one ahead of it in the customer's queue: the next change is no earlier than version 2.
	clock.set(start.Add(time.Second))
	after := s.do(t, http.MethodPatch, self, tok, `{"emailAddress": "b@example.se"}`)
	expectStatus(t, after, http.StatusOK)

	trail := s.do(t, http.MethodGet, self+"/events", tok, nil)
	expectStatus(t, trail, http.StatusOK)
	var prev time.Time
	times := map[string]string{}
	for _, it := range trail.object(t)["items"].([]any) {
		e := it.(map[string]any)
		at, err := time.Parse(time.RFC3339Nano, e["time"].(string))
		if err != nil {
			t.Fatal(err)
		}
		if at.Before(prev) {
			t.Errorf("version %v at %s, before the version ahead of it (%s): %s", e["version"], at.Format(time.RFC3339Nano), prev.Format(time.RFC3339Nano), trail.Body)
		}
		prev = at
		times[fmt.Sprint(e["version"])] = e["time"].(string)
	}
	// The customer as of the time of version 3 is version 3, as its PATCH answered.
	got := s.do(t, http.MethodGet, self+"?asOf="+url.QueryEscape(times["3"]), tok, nil)
	if got.Status != http.StatusOK || got.Header.Get("ETag") != `"3"` || !bytes.Equal(got.Body, after.Body) {
		t.Errorf("asOf=%s (the time of version 3): %s ETag %s\nwant version 3: %s", times["3"], got, got.Header.Get("ETag"), after.Body)
	}
	// The same instant in another offset (CEST, UTC+2 after the change) reads the same.
	at, _ := time.Parse(time.RFC3339Nano, times["3"])
	cest := at.In(time.FixedZone("CEST", 2*3600)).Format(time.RFC3339Nano)
	if r := s.do(t, http.MethodGet, self+"?asOf="+url.QueryEscape(cest), tok, nil); !bytes.Equal(r.Body, got.Body) {
		t.Errorf("asOf=%s: %s, want as asOf=%s", cest, r, times["3"])
	}
}
