package projections_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/projections"
	bolt "go.etcd.io/bbolt"
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

// stoppingProjection fails to apply because the process stops under it: it ends the runner's
// context (as ledgerd's Close does) and then fails, as a reader waiting for a key does when the
// key bus closes.
type stoppingProjection struct{ stop context.CancelFunc }

func (stoppingProjection) Name() string      { return "stopping" }
func (stoppingProjection) Version() uint32   { return 1 }
func (stoppingProjection) Buckets() [][]byte { return [][]byte{[]byte("stopping")} }
func (p stoppingProjection) Apply(*bolt.Tx, projections.Event) error {
	p.stop()
	return errors.New("keysync: the key bus is closed while waiting for the key")
}

// TestStopWhileApplyingIsNoFailure: a commit that fails because the process is stopping does not
// fail the runner or log an error (the next start applies from the checkpoint), and commits
// nothing.
func TestStopWhileApplyingIsNoFailure(t *testing.T) {
	dir := t.TempDir()
	store, err := eventstore.Open(filepath.Join(dir, "events.db"), eventstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	history(t, store, 2, 3, 1)
	events, err := store.ReadAll(context.Background(), 1, 10)
	if err != nil || len(events) == 0 {
		t.Fatalf("%d events, %v", len(events), err)
	}
	db, err := projections.OpenDB(filepath.Join(dir, "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx, cancel := context.WithCancel(context.Background())
	var logs bytes.Buffer
	runner, err := projections.NewRunner(db, slog.New(slog.NewTextHandler(&logs, nil)), stoppingProjection{stop: cancel})
	if err != nil {
		t.Fatal(err)
	}
	f := &scriptedFeed{events: events, rounds: [][]uint64{{1}}}
	if err := runner.Run(ctx, f); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if err := runner.Err(); err != nil {
		t.Fatalf("the runner failed: %v", err)
	}
	if strings.Contains(logs.String(), "level=ERROR") {
		t.Fatalf("logged an error:\n%s", logs.String())
	}
	if got := runner.Position(); got != 0 {
		t.Fatalf("position %d after a commit that failed, want 0", got)
	}
}
