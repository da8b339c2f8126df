package projections_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/projections"
)

// auditLog appends events to several ledgers' streams, with a few actors, types and correlation
// ids, and times that mostly rise but now and then lag behind (as commands queued on a lock do).
func auditLog(t *testing.T, store *eventstore.Store, n int, seed uint64) []eventstore.Event {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, seed))
	base := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	clock := base
	streams := []string{"1000/customers/1", "1000/customers/2", "1000/lookups/1", "2000/customers/1", "3000/customers/7"}
	for i := 0; i < n; i++ {
		clock = clock.Add(time.Duration(rng.IntN(3)) * time.Second)
		at := clock
		if rng.IntN(8) == 0 {
			at = clock.Add(-time.Duration(rng.IntN(5000)) * time.Millisecond) // late
		}
		e := eventstore.EventData{
			ID: uuid.Must(uuid.NewV7()), Type: []string{"CustomerCreated", "CustomerDetailsChanged", "BillingAddressAdded"}[rng.IntN(3)],
			SchemaVersion: 1, Time: at, Actor: []string{"alice", "bob", "svc:x", ""}[rng.IntN(4)],
			CorrelationID: fmt.Sprint("corr-", rng.IntN(20)), CausationID: "cause", Data: []byte(fmt.Sprintf(`{"n":%d}`, i)),
		}
		if _, err := store.Append(context.Background(), eventstore.AppendRequest{Stream: streams[rng.IntN(len(streams))], Events: []eventstore.EventData{e}}); err != nil {
			t.Fatal(err)
		}
	}
	all, err := store.ReadAll(context.Background(), 1, n)
	if err != nil {
		t.Fatal(err)
	}
	return all
}

func openAudit(t *testing.T, store *eventstore.Store) *projections.Audit {
	t.Helper()
	db, err := projections.OpenDB(filepath.Join(t.TempDir(), "projections.db"))
	if err != nil {
		t.Fatal(err)
	}
	audit := projections.NewAudit(db)
	r, err := projections.NewRunner(db, quiet, audit)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Follow(ctx, store) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("runner: %v", err)
		}
		db.Close()
	})
	waitHead(t, store, r)
	return audit
}

// TestAuditQueryEqualsScan: every query, paged with small limits and scan limits, returns exactly
// the events a scan of the whole log with the same filters returns, in log order.
func TestAuditQueryEqualsScan(t *testing.T) {
	store, err := eventstore.Open(filepath.Join(t.TempDir(), "events.db"), eventstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	all := auditLog(t, store, 600, 7)
	audit := openAudit(t, store)
	rng := rand.New(rand.NewPCG(9, 9))
	start, end := all[0].Time, all[len(all)-1].Time
	instant := func() time.Time {
		switch rng.IntN(3) {
		case 0:
			return []time.Time{{}, {}, {}, time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)}[rng.IntN(5)]
		case 1: // at or just after an event, late ones included
			return all[rng.IntN(len(all))].Time.Add(time.Duration(rng.IntN(2)))
		}
		return start.Add(time.Duration(rng.Int64N(int64(end.Sub(start)) + int64(10*time.Second)))).Add(-5 * time.Second)
	}
	pick := func(vs ...string) string { return vs[rng.IntN(len(vs))] }
	nonEmpty := 0
	for i := 0; i < 300; i++ {
		q := projections.AuditQuery{
			LedgerNo: pick("1000", "2000", "4000"), Type: pick("", "", "CustomerCreated", "BillingAddressAdded", "Nope"),
			Actor: pick("", "", "alice", "svc:x"), CorrelationID: pick("", "", "", "corr-3", "corr-11"),
			Since: instant(), Until: instant(), FromPosition: uint64(rng.IntN(50)),
			Limit: 1 + rng.IntN(40), ScanLimit: 1 + rng.IntN(60),
		}
		var want []eventstore.Event
		for _, e := range all {
			if e.Position >= q.FromPosition && ledger(e.Stream) == q.LedgerNo && (q.Type == "" || e.Type == q.Type) &&
				(q.Actor == "" || e.Actor == q.Actor) && (q.CorrelationID == "" || e.CorrelationID == q.CorrelationID) &&
				(q.Since.IsZero() || !e.Time.Before(q.Since)) && (q.Until.IsZero() || e.Time.Before(q.Until)) {
				want = append(want, e)
			}
		}
		if len(want) > 0 {
			nonEmpty++
		}
		var got []eventstore.Event
		for pages := 0; ; pages++ {
			page, err := audit.Query(context.Background(), q)
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Events) > q.Limit {
				t.Fatalf("query %d: %d events on a page of %d", i, len(page.Events), q.Limit)
			}
			got = append(got, page.Events...)
			if page.Next == 0 {
				break
			}
			if page.Next <= q.FromPosition || pages > len(all) {
				t.Fatalf("query %d: next %d after from %d", i, page.Next, q.FromPosition)
			}
			q.FromPosition = page.Next
		}
		if len(got) != len(want) {
			t.Fatalf("query %d %+v: %d events, want %d", i, q, len(got), len(want))
		}
		for j := range want {
			if got[j].Position != want[j].Position || !reflect.DeepEqual(normalize(got[j]), normalize(want[j])) {
				t.Fatalf("query %d: event %d = %+v, want %+v", i, j, got[j], want[j])
			}
		}
	}
	if nonEmpty < 60 {
		t.Errorf("only %d of 300 queries match anything: the test checks too little", nonEmpty)
	}
}

func TestAuditStreamEvents(t *testing.T) {
	store, err := eventstore.Open(filepath.Join(t.TempDir(), "events.db"), eventstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	auditLog(t, store, 200, 3)
	audit := openAudit(t, store)
	for _, stream := range []string{"1000/customers/1", "1000/lookups/1", "3000/customers/7", "1000/customers/10", "3000/customers/"} {
		want, err := store.ReadStream(context.Background(), stream, 3, 10)
		if err != nil {
			t.Fatal(err)
		}
		wantVersion, _ := store.StreamVersion(context.Background(), stream)
		got, version, err := audit.StreamEvents(context.Background(), stream, 3, 10)
		if err != nil {
			t.Fatal(err)
		}
		if version != wantVersion || len(got) != len(want) {
			t.Fatalf("%s: %d events at version %d, want %d at %d", stream, len(got), version, len(want), wantVersion)
		}
		for i := range want {
			if !reflect.DeepEqual(normalize(got[i]), normalize(want[i])) {
				t.Errorf("%s: event %d = %+v, want %+v", stream, i, got[i], want[i])
			}
		}
	}
}

func ledger(stream string) string {
	for i := range stream {
		if stream[i] == '/' {
			return stream[:i]
		}
	}
	return ""
}

// normalize drops the time's location and monotonic reading, which a JSON round trip changes.
func normalize(e eventstore.Event) eventstore.Event {
	e.Time = e.Time.UTC().Round(0)
	return e
}
