package main

// The audit queries over a story of changes (issue 9's end-to-end test, with TestE2ETimeTravel,
// which writes the story and checks asOf at every version): the customer's trail holds every
// change with the actor, correlation id and time of the request that made it, and each
// ledger-wide query answers exactly the trail's events that match.

import (
	"net/url"
	"reflect"
	"slices"
	"testing"
	"time"
)

// storyStep is one request of a story: who sent it, its correlation id, and the API's clock then.
type storyStep struct {
	actor, correlationID string
	at                   time.Time
}

// checkStoryAudit checks the audit queries over a story of changes to customer path self, the
// only customer of its ledger: the customer's trail, gap-free from version 1, holds each step's
// events with the step's actor, correlation id and time (a step that changed nothing: none); and
// every ledger-wide query — by each actor, each type, each step's correlation id and a time
// window around each step, whole and in pages of 2 — answers exactly the trail's events that
// match, in order.
func checkStoryAudit(t *testing.T, s *testServer, token, ledgerNo, self string, steps []storyStep, noEvents ...int) {
	t.Helper()
	trail, _ := s.pages(t, self+"/events?limit=3", token)
	for i, it := range trail {
		if it.Version != uint64(i+1) {
			t.Fatalf("trail item %d has version %d", i, it.Version)
		}
	}
	byStep := map[string][]auditItem{}
	for _, it := range trail {
		byStep[it.CorrelationID] = append(byStep[it.CorrelationID], it)
	}
	n := 0
	for i, st := range steps {
		events := byStep[st.correlationID]
		n += len(events)
		if want := !slices.Contains(noEvents, i); (len(events) > 0) != want {
			t.Errorf("step %d (%s): %d events in the trail", i, st.correlationID, len(events))
		}
		for _, e := range events {
			if e.Actor != st.actor || e.Time != st.at.UTC().Format(time.RFC3339Nano) {
				t.Errorf("step %d: event %d by %q at %s, want by %q at %s", i, e.Version, e.Actor, e.Time, st.actor, st.at.UTC().Format(time.RFC3339Nano))
			}
		}
	}
	if n != len(trail) {
		t.Errorf("the trail holds %d events, the steps made %d", len(trail), n)
	}

	type query struct {
		params string
		keep   func(auditItem) bool
	}
	var queries []query
	seen := map[string]bool{}
	for _, it := range trail {
		if a := it.Actor; !seen["actor "+a] {
			seen["actor "+a] = true
			queries = append(queries, query{"actor=" + url.QueryEscape(a), func(e auditItem) bool { return e.Actor == a }})
		}
		if ty := it.Type; !seen["type "+ty] {
			seen["type "+ty] = true
			queries = append(queries, query{"type=" + ty, func(e auditItem) bool { return e.Type == ty }})
		}
	}
	for i, st := range steps {
		cid := st.correlationID
		queries = append(queries, query{"correlationId=" + url.QueryEscape(cid), func(e auditItem) bool { return e.CorrelationID == cid }})
		since, until := st.at, st.at.Add(time.Second)
		if i+1 < len(steps) {
			until = steps[i+1].at
		}
		inWindow := func(e auditItem) bool {
			at, _ := time.Parse(time.RFC3339Nano, e.Time)
			return !at.Before(since) && at.Before(until)
		}
		window := "since=" + url.QueryEscape(since.Format(time.RFC3339Nano)) + "&until=" + url.QueryEscape(until.Format(time.RFC3339Nano))
		queries = append(queries, query{window, inWindow})
		// The window holds exactly the step's events.
		var inIt []auditItem
		for _, e := range trail {
			if inWindow(e) {
				inIt = append(inIt, e)
			}
		}
		if !reflect.DeepEqual(inIt, byStep[cid]) {
			t.Errorf("step %d: its time window holds %d events of the trail, the step made %d", i, len(inIt), len(byStep[cid]))
		}
	}
	base := "/ledger/customer/v1/" + ledgerNo + "/events?"
	for _, q := range queries {
		var want []auditItem
		for _, e := range trail {
			if q.keep(e) {
				want = append(want, e)
			}
		}
		for _, paging := range []string{"", "&limit=2"} {
			got, _ := s.pages(t, base+q.params+paging, token)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("events?%s%s: %d events, want the trail's %d:\n got %+v\nwant %+v", q.params, paging, len(got), len(want), got, want)
			}
		}
	}
}
