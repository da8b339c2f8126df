package projections_test

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/projections"
)

// scriptedFeed delivers, in turn, each round's positions (a round is a subscription that ends
// early, as a JetStream feed does when the connection drops), marking all but the last event of a
// round more, and then nothing.
type scriptedFeed struct {
	events []eventstore.Event // by position-1
	rounds [][]uint64
}

func (f *scriptedFeed) Deliver(ctx context.Context, _ string, _ func() uint64, apply func(context.Context, eventstore.Event, bool) error) error {
	for _, round := range f.rounds {
		for i, pos := range round {
			if err := apply(ctx, f.events[pos-1], i < len(round)-1); err != nil {
				break
			}
			if ctx.Err() != nil {
				return nil
			}
		}
	}
	<-ctx.Done()
	return nil
}

// TestBatchesSurviveAFeedRestart: events delivered as "more" are held for a batch; when the feed
// starts again from the checkpoint the held events are dropped and taken again, and the read model
// ends equal to one built by the local feed.
func TestBatchesSurviveAFeedRestart(t *testing.T) {
	dir := t.TempDir()
	store, err := eventstore.Open(filepath.Join(dir, "events.db"), eventstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	history(t, store, 5, 20, 3)
	events, err := store.ReadAll(context.Background(), 1, 100)
	n := uint64(len(events))
	if err != nil || n < 15 {
		t.Fatalf("%d events, %v", n, err)
	}
	seq := func(from, to uint64) []uint64 {
		var out []uint64
		for p := from; p <= to; p++ {
			out = append(out, p)
		}
		return out
	}
	// Round 1 ends after 1..10 with 10 still "more": nothing committed. Round 2 starts again at
	// 1 (the checkpoint) and commits 1..12. Round 3 redelivers 5..n (1..12 are skipped).
	round1 := seq(1, 10)
	round1 = append(round1, seq(1, 12)...)
	f := &scriptedFeed{events: events, rounds: [][]uint64{round1, seq(5, n)}}

	want, r, stop := run(t, store, filepath.Join(dir, "local.db"))
	waitHead(t, store, r)
	wantSnap := snapshot(t, want, 5)
	stop()

	db, err := projections.OpenDB(filepath.Join(dir, "scripted.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c := projections.NewCustomers(db, natID)
	runner, _ := projections.NewRunner(db, quiet, c)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- runner.Run(ctx, f) }()
	wctx, wcancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer wcancel()
	if err := runner.WaitFor(wctx, n); err != nil {
		t.Fatal(err)
	}
	if got := snapshot(t, c, 5); !reflect.DeepEqual(got, wantSnap) {
		t.Fatalf("read model after restarts differs:\n%+v\n%+v", got, wantSnap)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
