package main

// Time travel (?asOf=, ?asOfVersion=): a customer changed many times by different actors reads,
// at every version, exactly as the API returned it right after that change — the customer, both
// address sub-resources and the expanded customer, byte for byte, with that version's ETag. The
// same story answers each audit query (checkStoryAudit): issue 9's end-to-end test.

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/nordledger/ledger/httpapi/auth"
)

// snapshot is what the API answered for the customer's reads right after one change.
type snapshot struct {
	version string // the ETag
	time    string // the time of the change's last event (RFC 3339)
	reads   map[string]*response
}

// viewPaths are the reads captured after each change and compared with their past versions.
var viewPaths = []string{"", "?$expand=legaladdress,billingaddress", "/legal-address", "/billing-address"}

func TestE2ETimeTravel(t *testing.T) {
	clock := &testClock{t: time.Date(2026, 2, 1, 9, 0, 0, 123456789, time.UTC)}
	s := startServer(t, withClock(clock.now))
	scopes := []string{auth.ScopeCustomerRead, auth.ScopeCustomerWrite, auth.ScopeKycWrite}
	alice := s.mint(t, "alice@example.se", []string{demoLedger}, scopes...)
	bob := s.mint(t, "svc:crm-sync", []string{demoLedger}, scopes...)
	carol := s.mint(t, "carol", []string{demoLedger}, scopes...)
	actors := map[string]string{alice: "alice@example.se", bob: "svc:crm-sync", carol: "carol"}
	// The viewer reads now and in the past with the same scopes, so the operations are the same.
	viewer := s.mint(t, "auditor", []string{demoLedger}, append(scopes, auth.ScopeAuditRead)...)
	no := "5150"
	self := customersPath(demoLedger, no)
	addr := func(street string) string {
		return fmt.Sprintf(`{"addressee": "Kalle", "streetAddress": %q, "city": "STOCKHOLM", "zipCode": "16872", "countryCode": "SE"}`, street)
	}
	create := newCustomer(no, "Time Traveller")
	create["billingAddress"] = map[string]any{"addressee": "B", "city": "C", "zipCode": "11122", "countryCode": "SE"}
	kyc := `{"answers": [{"questionCode": "taxable_outside_sweden", "answerCode": "no"}, {"questionCode": "multiple_citizenship", "answerCode": "no"}]}`
	steps := []struct {
		token, method, path string
		body                any
	}{
		{alice, http.MethodPost, customersPath(demoLedger), create},
		{bob, http.MethodPatch, self, `{"emailAddress": "t@example.se", "msisdn": "+46701234567"}`},
		{alice, http.MethodPut, self + "/legal-address", addr("Storgatan 2")},
		{bob, http.MethodPatch, self, `{"msisdn": null, "preferredLanguageCode": "sv"}`},
		{alice, http.MethodDelete, self + "/billing-address", nil},
		{carol, http.MethodPost, self + "/update-kyc-answers", kyc},
		{alice, http.MethodPost, self + "/billing-address", addr("Lillgatan 3")},
		{carol, http.MethodPut, self + "/billing-address", addr("Lillgatan 4")},
		{alice, http.MethodPatch, self, `{"eDIAddressInfo": {"VAN": "V", "BuyerId": "123"}, "legalStatus": "deceased"}`},
		{bob, http.MethodPut, self + "/legal-address", addr("Storgatan 2")}, // the same again: no event
		{alice, http.MethodPatch, self, `{"eDIAddressInfo": null, "emailAddress": null}`},
	}
	var snaps []snapshot
	var story []storyStep
	for i, st := range steps {
		clock.set(clock.now().Add(time.Duration(i+1) * 1500 * time.Millisecond))
		story = append(story, storyStep{actor: actors[st.token], correlationID: fmt.Sprintf("tt-step-%d", i), at: clock.now()})
		r := s.do(t, st.method, st.path, st.token, st.body, "X-Correlation-ID", story[i].correlationID)
		if r.Status < 200 || r.Status > 299 {
			t.Fatalf("step %d: %s", i, r)
		}
		reads := map[string]*response{}
		for _, p := range viewPaths {
			reads[p] = s.do(t, http.MethodGet, self+p, viewer, nil)
		}
		version := reads[""].Header.Get("ETag")
		if n := len(snaps); n > 0 && snaps[n-1].version == version {
			continue // changed nothing
		}
		snaps = append(snaps, snapshot{version: version, reads: reads})
	}
	if len(snaps) != len(steps)-1 {
		t.Fatalf("%d versions seen, want %d", len(snaps), len(steps)-1)
	}

	// The time of each version: the time of its last event, from the audit trail.
	trail := s.do(t, http.MethodGet, self+"/events?limit=1000", viewer, nil)
	expectStatus(t, trail, http.StatusOK)
	times := map[string]string{}
	for _, it := range trail.object(t)["items"].([]any) {
		e := it.(map[string]any)
		times[fmt.Sprintf(`"%s"`, e["version"])] = e["time"].(string)
	}
	for i := range snaps {
		if snaps[i].time = times[snaps[i].version]; snaps[i].time == "" {
			t.Fatalf("version %s is not in the audit trail %s", snaps[i].version, trail)
		}
	}
	// Each audit query over the story (step 9 changed nothing).
	checkStoryAudit(t, s, viewer, demoLedger, self, story, 9)

	for _, sn := range snaps {
		v := sn.version[1 : len(sn.version)-1]
		for _, q := range []string{"asOfVersion=" + v, "asOf=" + url.QueryEscape(sn.time)} {
			for _, p := range viewPaths {
				target := self + p
				if p == "" || p[0] == '?' {
					target = self + "?" + q
					if p != "" {
						target += "&" + p[1:]
					}
				} else {
					target += "?" + q
				}
				got := s.do(t, http.MethodGet, target, viewer, nil)
				want := sn.reads[p]
				if got.Status != want.Status || (want.Status == http.StatusOK && !bytes.Equal(got.Body, want.Body)) {
					t.Errorf("GET %s (version %s): %d %s\nwant (right after the change) %d %s", target, sn.version, got.Status, got.Body, want.Status, want.Body)
				}
				if want.Status == http.StatusOK && got.Header.Get("ETag") != want.Header.Get("ETag") {
					t.Errorf("GET %s: ETag %s, want %s", target, got.Header.Get("ETag"), want.Header.Get("ETag"))
				}
				if want.Status != http.StatusOK && !bytes.Equal(problemCode(t, got), problemCode(t, want)) {
					t.Errorf("GET %s: problem %s, want %s", target, got.Body, want.Body)
				}
			}
		}
	}

	// Between two changes, asOf reads the earlier one; before the first, there was no customer.
	first, _ := time.Parse(time.RFC3339Nano, snaps[0].time)
	second, _ := time.Parse(time.RFC3339Nano, snaps[1].time)
	mid := first.Add(second.Sub(first) / 2).Format(time.RFC3339Nano)
	if r := s.do(t, http.MethodGet, self+"?asOf="+url.QueryEscape(mid), viewer, nil); !bytes.Equal(r.Body, snaps[0].reads[""].Body) {
		t.Errorf("asOf between versions 2 and 3: %s", r)
	}
	before := first.Add(-time.Nanosecond).Format(time.RFC3339Nano)
	assertProblem(t, s.do(t, http.MethodGet, self+"?asOf="+url.QueryEscape(before), viewer, nil), http.StatusNotFound, "customer-not-found")
	assertProblem(t, s.do(t, http.MethodGet, self+"/legal-address?asOf="+url.QueryEscape(before), viewer, nil), http.StatusNotFound, "customer-not-found")
	assertProblem(t, s.do(t, http.MethodGet, customersPath(demoLedger, "4242")+"?asOfVersion=1", viewer, nil), http.StatusNotFound, "customer-not-found")
	assertProblem(t, s.do(t, http.MethodGet, self+"?asOfVersion=99", viewer, nil), http.StatusNotFound, "not-found")
	// A version inside a command's events (the create's CustomerCreated, before its billing address).
	if r := s.do(t, http.MethodGet, self+"/billing-address?asOfVersion=1", viewer, nil); r.Status != http.StatusNotFound {
		t.Errorf("billing address at version 1: %s", r)
	}
	// Far in the future: as now.
	if r := s.do(t, http.MethodGet, self+"?asOf=2999-01-01T00:00:00Z", viewer, nil); !bytes.Equal(r.Body, snaps[len(snaps)-1].reads[""].Body) {
		t.Errorf("asOf in the future: %s", r)
	}

	// Bad input is a validation problem, never a 5xx.
	for q, name := range map[string]string{
		"asOf=yesterday":                          "asOf",
		"asOf=2026-02-01":                         "asOf",
		"asOf=":                                   "asOf",
		"asOfVersion=0":                           "asOfVersion",
		"asOfVersion=-1":                          "asOfVersion",
		"asOfVersion=1.5":                         "asOfVersion",
		"asOfVersion=99999999999999999999":        "asOfVersion",
		"asOfVersion=1&asOfVersion=2":             "asOfVersion",
		"asOf=2026-02-01T00:00:00Z&asOfVersion=1": "asOf",
	} {
		assertValidation(t, s.do(t, http.MethodGet, self+"?"+q, viewer, nil), name)
		assertValidation(t, s.do(t, http.MethodGet, self+"/billing-address?"+q, viewer, nil), name)
	}
	// The past needs audit:read as well as customer:read.
	assertProblem(t, s.do(t, http.MethodGet, self+"?asOfVersion=1", alice, nil), http.StatusForbidden, "forbidden")
	assertProblem(t, s.do(t, http.MethodGet, self+"/legal-address?asOfVersion=1", alice, nil), http.StatusForbidden, "forbidden")
	auditOnly := s.mint(t, "auditor", []string{demoLedger}, auth.ScopeAuditRead)
	assertProblem(t, s.do(t, http.MethodGet, self+"?asOfVersion=1", auditOnly, nil), http.StatusForbidden, "forbidden")
	other := s.mint(t, "auditor", []string{"2000"}, auth.ScopeCustomerRead, auth.ScopeAuditRead)
	assertProblem(t, s.do(t, http.MethodGet, self+"?asOfVersion=1", other, nil), http.StatusForbidden, "forbidden")

	// After a restart (read models from the file) the past reads the same.
	s.restart(t)
	for _, sn := range snaps {
		got := s.do(t, http.MethodGet, self+"?asOfVersion="+sn.version[1:len(sn.version)-1], viewer, nil)
		if !bytes.Equal(got.Body, sn.reads[""].Body) {
			t.Errorf("after a restart, version %s: %s", sn.version, got)
		}
	}
}

// problemCode returns a problem response's type.
func problemCode(t testing.TB, r *response) []byte {
	t.Helper()
	return []byte(fmt.Sprint(r.object(t)["type"]))
}
