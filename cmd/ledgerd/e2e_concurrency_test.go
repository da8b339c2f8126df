package main

// ETags, If-Match and concurrent writers: no update is lost, and every acknowledged PATCH is
// exactly one event.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"

	"github.com/nordledger/ledger/domain"
)

func TestE2EETagAndIfMatch(t *testing.T) {
	s := startServer(t)
	no := "4711"
	created := s.createCustomer(t, s.token, newCustomer(no, "ETag Test"))
	self := customersPath(demoLedger, no)

	r := s.do(t, http.MethodGet, self, s.token, nil)
	tag1 := r.Header.Get("ETag")
	if tag1 == "" {
		t.Fatalf("GET customer: no ETag")
	}
	if c := created.Header.Get("ETag"); c != "" && c != tag1 {
		t.Errorf("create answered ETag %s, GET %s", c, tag1)
	}
	// Every representation of the same version has the same tag.
	for _, p := range []string{self + "?$expand=legaladdress", self + "/legal-address"} {
		if tag := s.do(t, http.MethodGet, p, s.token, nil).Header.Get("ETag"); tag != "" && tag != tag1 {
			t.Errorf("GET %s: ETag %s, customer %s", p, tag, tag1)
		}
	}
	// If-None-Match with the current tag: 304.
	if r := s.do(t, http.MethodGet, self, s.token, nil, "If-None-Match", tag1); r.Status != http.StatusNotModified {
		t.Errorf("If-None-Match current: %s; want 304", r)
	}

	// A PATCH with the current tag succeeds and moves the tag.
	r = s.do(t, http.MethodPatch, self, s.token, `{"emailAddress": "first@example.se"}`, "If-Match", tag1)
	expectStatus(t, r, http.StatusOK, http.StatusNoContent)
	tag2 := s.do(t, http.MethodGet, self, s.token, nil).Header.Get("ETag")
	if tag2 == tag1 {
		t.Fatalf("the ETag did not change with the customer: %s", tag2)
	}
	if pt := r.Header.Get("ETag"); pt != "" && pt != tag2 {
		t.Errorf("PATCH answered ETag %s, a GET then %s", pt, tag2)
	}
	// A stale tag: 412, nothing written.
	addr := `{"addressee": "Kalle", "city": "STOCKHOLM", "zipCode": "16872", "countryCode": "SE"}`
	for _, rq := range []struct{ method, path, body string }{
		{http.MethodPatch, self, `{"emailAddress": "stale@example.se"}`},
		{http.MethodPut, self + "/legal-address", addr},
		{http.MethodPost, self + "/billing-address", addr},
	} {
		r = s.do(t, rq.method, rq.path, s.token, rq.body, "If-Match", tag1)
		assertProblem(t, r, http.StatusPreconditionFailed, "precondition-failed")
	}
	r = s.do(t, http.MethodGet, self, s.token, nil)
	if r.Header.Get("ETag") != tag2 || r.object(t)["emailAddress"] != "first@example.se" {
		t.Errorf("a stale If-Match changed the customer: %s %s", r.Header.Get("ETag"), r.Body)
	}
	// "*" matches any existing version.
	r = s.do(t, http.MethodPatch, self, s.token, `{"emailAddress": "star@example.se"}`, "If-Match", "*")
	expectStatus(t, r, http.StatusOK, http.StatusNoContent)
}

// TestE2EConcurrentPatches: 50 PATCHes of one customer at once, each setting another
// emailAddress. Each either succeeds or is refused with 409/412; none is lost: the number of
// successes is the number of CustomerDetailsChanged events, each success's correlation id is on
// exactly one of them, and the customer ends as the last event says.
func TestE2EConcurrentPatches(t *testing.T) {
	s := startServer(t)
	no := "4711"
	s.createCustomer(t, s.token, newCustomer(no, "Busy Customer"))
	self := customersPath(demoLedger, no)

	const n = 50
	statuses := make([]int, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			body := fmt.Sprintf(`{"emailAddress": "user%02d@example.se"}`, i)
			r := s.do(t, http.MethodPatch, self, s.token, body, "X-Correlation-ID", fmt.Sprintf("patch-%02d", i))
			statuses[i] = r.Status
			switch r.Status {
			case http.StatusOK, http.StatusNoContent:
			case http.StatusConflict:
				assertProblem(t, r, http.StatusConflict, "conflict")
			case http.StatusPreconditionFailed:
				assertProblem(t, r, http.StatusPreconditionFailed, "precondition-failed")
			default:
				t.Errorf("concurrent PATCH %d: %s", i, r)
			}
		}()
	}
	close(start)
	wg.Wait()

	final := s.do(t, http.MethodGet, self, s.token, nil)
	expectStatus(t, final, http.StatusOK)
	finalEmail := final.object(t)["emailAddress"]
	finalTag := final.Header.Get("ETag")
	s.stop(t)

	var succeeded []string
	for i, st := range statuses {
		if st == http.StatusOK || st == http.StatusNoContent {
			succeeded = append(succeeded, fmt.Sprintf("patch-%02d", i))
		}
	}
	if len(succeeded) == 0 {
		t.Fatalf("no concurrent PATCH succeeded: %v", statuses)
	}
	events := streamEvents(readEvents(t, s.dir), demoLedger, no)
	var changed []string
	var lastEmail string
	for _, e := range events {
		if e.Type != domain.TypeCustomerDetailsChanged {
			continue
		}
		changed = append(changed, e.CorrelationID)
		var d domain.CustomerDetailsChanged
		if err := json.Unmarshal(e.Data, &d); err != nil {
			t.Fatalf("event data: %v", err)
		}
		if d.Set.EmailAddress == nil {
			t.Errorf("CustomerDetailsChanged without emailAddress: %s", e.Data)
			continue
		}
		lastEmail = *d.Set.EmailAddress
	}
	t.Logf("%d of %d PATCHes succeeded; %d CustomerDetailsChanged events", len(succeeded), n, len(changed))
	if len(changed) != len(succeeded) {
		t.Errorf("%d PATCHes answered success, but %d CustomerDetailsChanged events were stored", len(succeeded), len(changed))
	}
	slices.Sort(changed)
	if !slices.Equal(changed, succeeded) {
		t.Errorf("correlation ids of the events %v differ from those of the successful PATCHes %v", changed, succeeded)
	}
	if finalEmail != lastEmail {
		t.Errorf("the customer's emailAddress is %v, the last event set %q", finalEmail, lastEmail)
	}
	if want := fmt.Sprintf(`"%d"`, len(events)); finalTag != want {
		t.Errorf("final ETag %s; the stream has %d events", finalTag, len(events))
	}
	for i, e := range events {
		if e.Version != uint64(i+1) {
			t.Errorf("event %d of the stream has version %d", i, e.Version)
		}
	}
}
