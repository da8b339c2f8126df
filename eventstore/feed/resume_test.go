package feed_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/nordledger/ledger/eventstore/feed"
	"github.com/nordledger/ledger/eventstore/relay"
)

// TestJetStreamEventAt: EventAt answers the id of the event the stream holds at a position (the
// event's id, as the log has it) and the stream's last sequence; nothing beyond the end.
func TestJetStreamEventAt(t *testing.T) {
	store := openStore(t)
	srv := startNATS(t, t.TempDir(), -1)
	js := jetStream(t, srv.ClientURL())
	r := startRelay(t, store, js)
	appendEvents(t, store, 5)
	waitFor(t, "relay", func() bool { return r.Status().Published == 5 })
	f, err := feed.NewJetStream(js, relay.DefaultStreamName, "reader-1", quiet)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range readLog(t, store, 1, 5) {
		id, last, err := f.EventAt(context.Background(), e.Position)
		if err != nil || id != e.ID.String() || last != 5 {
			t.Errorf("EventAt(%d) = %q, %d, %v; want %s, 5", e.Position, id, last, err, e.ID)
		}
	}
	if id, last, err := f.EventAt(context.Background(), 6); err != nil || id != "" || last != 5 {
		t.Errorf("EventAt(6) = %q, %d, %v; want \"\", 5", id, last, err)
	}
}

// TestJetStreamFeedResume: Resume is called before the feed reads the checkpoint, each time it
// starts; an error is ridden out like NATS being down (the feed starts again), and what Resume
// does to the checkpoint decides where the feed starts.
func TestJetStreamFeedResume(t *testing.T) {
	store := openStore(t)
	srv := startNATS(t, t.TempDir(), -1)
	js := jetStream(t, srv.ClientURL())
	r := startRelay(t, store, js)
	appendEvents(t, store, 10)
	waitFor(t, "relay", func() bool { return r.Status().Published == 10 })
	f, err := feed.NewJetStream(js, relay.DefaultStreamName, "reader-1", quiet)
	if err != nil {
		t.Fatal(err)
	}
	var checkpoint atomic.Uint64
	checkpoint.Store(8)
	var calls atomic.Int32
	f.Resume = func(ctx context.Context) error {
		if calls.Add(1) == 1 {
			return errors.New("not now")
		}
		checkpoint.Store(0) // as a reset of the read models does
		return nil
	}
	sub, topic, err := f.Subscriber("projections", checkpoint.Load)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	c, err := sub.Subscribe(context.Background(), topic)
	if err != nil {
		t.Fatal(err)
	}
	if e := applyNext(t, c, &checkpoint); e.Position != 1 {
		t.Fatalf("first event delivered: %d, want 1 (Resume reset the checkpoint)", e.Position)
	}
	if n := calls.Load(); n != 2 {
		t.Errorf("Resume called %d times, want 2 (failed once)", n)
	}
}
