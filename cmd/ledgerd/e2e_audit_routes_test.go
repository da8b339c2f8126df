package main

// The audit routes: a customer's trail (/customers/{no}/events) and ledger-wide queries
// (/events) with every filter and paging, checked against the event log itself; another ledger's
// events are never visible; scopes and ledgers are enforced; bad parameters are validation
// problems.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/httpapi/auth"
)

// auditItem is one item of an audit list.
type auditItem struct {
	ID            string          `json:"id"`
	Stream        string          `json:"stream"`
	Position      uint64          `json:"position"`
	Version       uint64          `json:"version"`
	Type          string          `json:"type"`
	SchemaVersion int             `json:"schemaVersion"`
	Time          string          `json:"time"`
	Actor         string          `json:"actor"`
	CorrelationID string          `json:"correlationId"`
	CausationID   string          `json:"causationId"`
	Data          json.RawMessage `json:"data"`
}

type auditList struct {
	Items      []auditItem       `json:"items"`
	Navigation map[string]string `json:"navigation"`
}

// pages follows the next links from target and returns every item and the pages' navigations.
func (s *testServer) pages(t *testing.T, target, token string) ([]auditItem, []map[string]string) {
	t.Helper()
	var items []auditItem
	var navs []map[string]string
	for i := 0; target != ""; i++ {
		if i > 200 {
			t.Fatalf("more than 200 pages from %s", target)
		}
		r := s.do(t, http.MethodGet, target, token, nil)
		expectStatus(t, r, http.StatusOK)
		var l auditList
		if err := json.Unmarshal(r.Body, &l); err != nil {
			t.Fatalf("%s: %v", r, err)
		}
		items = append(items, l.Items...)
		navs = append(navs, l.Navigation)
		target = l.Navigation["next"]
	}
	return items, navs
}

// sameEvent compares an audit item with the stored event.
func sameEvent(t *testing.T, what string, got auditItem, e eventstore.Event) {
	t.Helper()
	var gotData, wantData any
	json.Unmarshal(got.Data, &gotData)
	json.Unmarshal(e.Data, &wantData)
	want := auditItem{ID: e.ID.String(), Stream: e.Stream, Position: e.Position, Version: e.Version, Type: e.Type,
		SchemaVersion: e.SchemaVersion, Time: e.Time.UTC().Format(time.RFC3339Nano), Actor: e.Actor,
		CorrelationID: e.CorrelationID, CausationID: e.CausationID}
	gotEnv := got
	gotEnv.Data = nil
	if gotEnv.ID != want.ID || gotEnv.Stream != want.Stream || gotEnv.Position != want.Position || gotEnv.Version != want.Version ||
		gotEnv.Type != want.Type || gotEnv.SchemaVersion != want.SchemaVersion || gotEnv.Time != want.Time ||
		gotEnv.Actor != want.Actor || gotEnv.CorrelationID != want.CorrelationID || gotEnv.CausationID != want.CausationID ||
		fmt.Sprint(gotData) != fmt.Sprint(wantData) {
		t.Errorf("%s: %+v (data %s)\nwant %+v (data %s)", what, gotEnv, got.Data, want, e.Data)
	}
}

func TestE2EAuditRoutes(t *testing.T) {
	clock := &testClock{t: time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)}
	s := startServer(t, withConfig(ledgerConfig(t)), withClock(clock.now))
	write := []string{auth.ScopeCustomerRead, auth.ScopeCustomerWrite}
	alice := s.mint(t, "alice@example.se", []string{"1000"}, write...)
	bob := s.mint(t, "svc:billing", []string{"1000"}, write...)
	carol := s.mint(t, "carol", []string{"2000"}, write...)
	auditor := s.mint(t, "auditor", []string{"1000"}, auth.ScopeAuditRead)
	auditor2000 := s.mint(t, "auditor", []string{"2000"}, auth.ScopeAuditRead)

	type step struct {
		token, method, path, body, cid string
	}
	c1, c2 := customersPath("1000", "11"), customersPath("1000", "12")
	other := customersPath("2000", "11") // the same number in another ledger
	cust := func(no, name string) string { return show(newCustomer(no, name)) }
	steps := []step{
		{alice, http.MethodPost, customersPath("1000"), cust("11", "Anna A"), "c-create-11"},
		{carol, http.MethodPost, customersPath("2000"), cust("11", "Other Ledger"), "c-create-other"},
		{bob, http.MethodPost, customersPath("1000"), cust("12", "Bengt B"), "c-create-12"},
		{bob, http.MethodPatch, c1, `{"emailAddress": "a@example.se"}`, "c-batch"},
		{bob, http.MethodPatch, c2, `{"emailAddress": "b@example.se"}`, "c-batch"},
		{carol, http.MethodPatch, other, `{"emailAddress": "o@example.se"}`, "c-batch"}, // same correlation id, other ledger
		{alice, http.MethodPatch, c1, `{"msisdn": "+46701234567"}`, ""},
		{alice, http.MethodPost, c1 + "/billing-address", `{"addressee": "A", "city": "C", "zipCode": "11122", "countryCode": "SE"}`, ""},
		{bob, http.MethodPatch, c1, `{"msisdn": null}`, ""},
		{alice, http.MethodPatch, c2, `{"preferredLanguageCode": "en"}`, ""},
		{carol, http.MethodPatch, other, `{"msisdn": "+46701234568"}`, ""},
		{bob, http.MethodDelete, c1 + "/billing-address", "", "c-delete"},
		{alice, http.MethodPatch, c1, `{"legalStatus": "deceased"}`, ""},
	}
	for i, st := range steps {
		clock.set(clock.now().Add(time.Minute))
		var body any
		if st.body != "" {
			body = st.body
		}
		r := s.do(t, st.method, st.path, st.token, body, "X-Correlation-ID", st.cid)
		if r.Status < 200 || r.Status > 299 {
			t.Fatalf("step %d: %s", i, r)
		}
	}

	base := "/ledger/customer/v1/1000/events"
	type query struct {
		params string
		keep   func(e eventstore.Event) bool
	}
	in1000 := func(e eventstore.Event) bool { return strings.HasPrefix(e.Stream, "1000/") }
	at := func(minute int) time.Time { return time.Date(2026, 3, 1, 8, minute, 0, 0, time.UTC) }
	queries := []query{
		{"", in1000},
		{"type=CustomerDetailsChanged", func(e eventstore.Event) bool { return in1000(e) && e.Type == "CustomerDetailsChanged" }},
		{"actor=" + url.QueryEscape("svc:billing"), func(e eventstore.Event) bool { return in1000(e) && e.Actor == "svc:billing" }},
		{"correlationId=c-batch", func(e eventstore.Event) bool { return in1000(e) && e.CorrelationID == "c-batch" }},
		{"since=2026-03-01T08:05:00Z", func(e eventstore.Event) bool { return in1000(e) && !e.Time.Before(at(5)) }},
		{"until=2026-03-01T08:05:00Z", func(e eventstore.Event) bool { return in1000(e) && e.Time.Before(at(5)) }},
		{"since=2026-03-01T08:04:00Z&until=2026-03-01T08:09:30Z&actor=alice%40example.se", func(e eventstore.Event) bool {
			return in1000(e) && !e.Time.Before(at(4)) && e.Time.Before(at(9).Add(30*time.Second)) && e.Actor == "alice@example.se"
		}},
		{"type=CustomerDetailsChanged&actor=svc%3Abilling&correlationId=c-batch", func(e eventstore.Event) bool {
			return in1000(e) && e.Type == "CustomerDetailsChanged" && e.Actor == "svc:billing" && e.CorrelationID == "c-batch"
		}},
		{"fromPosition=5", func(e eventstore.Event) bool { return in1000(e) && e.Position >= 5 }},
		{"actor=carol", func(eventstore.Event) bool { return false }}, // carol acts only in ledger 2000
	}
	type answer struct {
		q            query
		whole, paged []auditItem
		navs         []map[string]string
	}
	var answers []answer
	for _, q := range queries {
		target := base
		if q.params != "" {
			target += "?" + q.params
		}
		whole, _ := s.pages(t, target, auditor)
		sep := "?"
		if q.params != "" {
			sep = "&"
		}
		paged, navs := s.pages(t, target+sep+"limit=2", auditor)
		answers = append(answers, answer{q: q, whole: whole, paged: paged, navs: navs})
	}
	// A customer's trail, whole and in pages of 2.
	trail, _ := s.pages(t, c1+"/events", auditor)
	trailPaged, trailNavs := s.pages(t, c1+"/events?limit=2", auditor)
	otherTrail, _ := s.pages(t, other+"/events", auditor2000)
	second := s.do(t, http.MethodGet, c1+"/events?fromVersion=3&limit=2", auditor, nil)

	// Refused: another ledger, a missing scope, no token, an unknown customer, bad parameters.
	assertProblem(t, s.do(t, http.MethodGet, "/ledger/customer/v1/2000/events", auditor, nil), http.StatusForbidden, "forbidden")
	assertProblem(t, s.do(t, http.MethodGet, customersPath("2000", "11", "events"), auditor, nil), http.StatusForbidden, "forbidden")
	assertProblem(t, s.do(t, http.MethodGet, base, alice, nil), http.StatusForbidden, "forbidden")
	assertProblem(t, s.do(t, http.MethodGet, c1+"/events", alice, nil), http.StatusForbidden, "forbidden")
	assertProblem(t, s.do(t, http.MethodGet, base, "", nil), http.StatusUnauthorized, "unauthorized")
	assertProblem(t, s.do(t, http.MethodGet, customersPath("1000", "99", "events"), auditor, nil), http.StatusNotFound, "customer-not-found")
	assertProblem(t, s.do(t, http.MethodGet, customersPath("1000", "0x1", "events"), auditor, nil), http.StatusNotFound, "customer-not-found")
	assertProblem(t, s.do(t, http.MethodPost, base, auditor, "{}"), http.StatusMethodNotAllowed, "method-not-allowed")
	for params, name := range map[string]string{
		"limit=0": "limit", "limit=1001": "limit", "limit=x": "limit", "limit=-1": "limit", "fromPosition=0": "fromPosition",
		"fromPosition=abc": "fromPosition", "since=today": "since", "until=2026-03-01": "until", "type=a&type=b": "type",
		"since=2026-03-01T09:00:00Z&until=2026-03-01T08:00:00Z": "until", "actor=" + strings.Repeat("x", 300): "actor",
		"type=NoSuchEvent": "type", "actr=carol": "actr", "Type=a&type=B": "type",
		// Given empty (an unset variable in a script): a filter that names nothing, never one
		// that selects everything.
		"correlationId=": "correlationId", "actor=": "actor", "type=": "type", "since=": "since", "until=": "until",
		"limit=": "limit", "fromPosition=": "fromPosition", "actor=carol&correlationId=": "correlationId",
	} {
		assertValidation(t, s.do(t, http.MethodGet, base+"?"+params, auditor, nil), name)
	}
	for params, name := range map[string]string{"limit=0": "limit", "limit=1001": "limit", "fromVersion=0": "fromVersion", "fromVersion=z": "fromVersion",
		"frmVersion=2": "frmVersion", "type=CustomerCreated": "type", "fromVersion=": "fromVersion", "limit=": "limit"} {
		assertValidation(t, s.do(t, http.MethodGet, c1+"/events?"+params, auditor, nil), name)
	}

	s.stop(t)
	all := readEvents(t, s.dir)
	for _, a := range answers {
		var want []eventstore.Event
		for _, e := range all {
			if a.q.keep(e) {
				want = append(want, e)
			}
		}
		for _, got := range [][]auditItem{a.whole, a.paged} {
			if len(got) != len(want) {
				t.Errorf("events?%s: %d items, want %d", a.q.params, len(got), len(want))
				continue
			}
			for i := range want {
				sameEvent(t, "events?"+a.q.params, got[i], want[i])
			}
		}
		if n := len(want); n > 2 && len(a.navs) < (n+1)/2 {
			t.Errorf("events?%s&limit=2: %d pages for %d events", a.q.params, len(a.navs), n)
		}
		for _, nav := range a.navs {
			if nav["@id"] != base || !strings.HasPrefix(nav["first"], base) || strings.Contains(nav["first"], "fromPosition") {
				t.Errorf("events?%s: navigation %v", a.q.params, nav)
			}
			if next := nav["next"]; next != "" {
				u, _ := url.Parse(next)
				for name, vs := range mustQuery(t, a.q.params) {
					if name != "fromPosition" && !slices.Equal(u.Query()[name], vs) && name != "since" && name != "until" {
						t.Errorf("events?%s: next %s drops %s", a.q.params, next, name)
					}
				}
			}
		}
	}
	// No event of ledger 2000 was ever shown to ledger 1000's auditor, and vice versa.
	for _, a := range answers {
		for _, it := range a.whole {
			if !strings.HasPrefix(it.Stream, "1000/") {
				t.Errorf("ledger 1000's audit shows %s", it.Stream)
			}
		}
	}
	want := streamEvents(all, "1000", "11")
	for _, got := range [][]auditItem{trail, trailPaged} {
		if len(got) != len(want) {
			t.Fatalf("customer 11's trail: %d items, want %d", len(got), len(want))
		}
		for i := range want {
			sameEvent(t, "customer 11's trail", got[i], want[i])
		}
	}
	if len(trailNavs) != (len(want)+1)/2 {
		t.Errorf("customer 11's trail in pages of 2: %d pages for %d events", len(trailNavs), len(want))
	}
	wantNav := map[string]string{"@id": c1 + "/events", "first": c1 + "/events?fromVersion=1&limit=2",
		"previous": c1 + "/events?fromVersion=1&limit=2", "next": c1 + "/events?fromVersion=5&limit=2"}
	var got auditList
	json.Unmarshal(second.Body, &got)
	if fmt.Sprint(got.Navigation) != fmt.Sprint(wantNav) {
		t.Errorf("fromVersion=3&limit=2: navigation %v, want %v", got.Navigation, wantNav)
	}
	if last := trailNavs[len(trailNavs)-1]; last["next"] != "" {
		t.Errorf("the last page has a next link: %v", last)
	}
	wantOther := streamEvents(all, "2000", "11")
	if len(otherTrail) != len(wantOther) {
		t.Fatalf("ledger 2000's customer 11: %d items, want %d", len(otherTrail), len(wantOther))
	}
	for i := range wantOther {
		sameEvent(t, "ledger 2000's customer 11", otherTrail[i], wantOther[i])
	}
}

func mustQuery(t *testing.T, s string) url.Values {
	t.Helper()
	v, err := url.ParseQuery(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
