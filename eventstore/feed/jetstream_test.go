package feed_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/eventstore/feed"
	"github.com/nordledger/ledger/eventstore/relay"
	"github.com/nordledger/ledger/eventstore/wire"
)

func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := waitDeadline(t)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestJetStreamFeedFromCheckpointAndResume: the JetStream feed delivers what the relay published
// after the checkpoint, as stored, with the stream sequence; a new subscriber at the same checkpoint
// resumes the same durable consumer.
func TestJetStreamFeedFromCheckpointAndResume(t *testing.T) {
	store := openStore(t)
	srv := startNATS(t, t.TempDir(), -1)
	js := jetStream(t, srv.ClientURL())
	r := startRelay(t, store, js)
	appendEvents(t, store, 50)
	waitFor(t, "relay", func() bool { return r.Status().Published == 50 })

	f, err := feed.NewJetStream(js, relay.DefaultStreamName, "reader-1", quiet)
	if err != nil {
		t.Fatal(err)
	}
	var checkpoint atomic.Uint64
	checkpoint.Store(10)
	sub, topic, err := f.Subscriber("customers", checkpoint.Load)
	if err != nil {
		t.Fatal(err)
	}
	c, err := sub.Subscribe(context.Background(), topic)
	if err != nil {
		t.Fatal(err)
	}
	got := make([]eventstore.Event, 0, 40)
	for len(got) < 40 {
		got = append(got, applyNext(t, c, &checkpoint))
	}
	sameEvents(t, got, readLog(t, store, 11, 50))

	name := feed.ConsumerName("reader-1", "customers")
	cons, err := js.Consumer(context.Background(), relay.DefaultStreamName, name)
	if err != nil {
		t.Fatalf("durable consumer %s: %v", name, err)
	}
	waitFor(t, "acks", func() bool {
		info, err := cons.Info(context.Background())
		return err == nil && info.NumAckPending == 0 && info.Delivered.Stream == 50
	})
	created := cons.CachedInfo().Created
	sub.Close()

	appendEvents(t, store, 5)
	sub2, _, _ := f.Subscriber("customers", checkpoint.Load)
	defer sub2.Close()
	c2, err := sub2.Subscribe(context.Background(), topic)
	if err != nil {
		t.Fatal(err)
	}
	sameEvents(t, receive(t, c2, 5), readLog(t, store, 51, 55))
	info, err := js.Consumer(context.Background(), relay.DefaultStreamName, name)
	if err != nil {
		t.Fatal(err)
	}
	if !info.CachedInfo().Created.Equal(created) {
		t.Error("the durable consumer was recreated, not resumed")
	}
}

// TestJetStreamFeedRestartsFromCheckpoint: a subscriber whose consumer state disagrees with the
// checkpoint (the read model lost its last commits) is fed again from the checkpoint.
func TestJetStreamFeedRestartsFromCheckpoint(t *testing.T) {
	store := openStore(t)
	srv := startNATS(t, t.TempDir(), -1)
	js := jetStream(t, srv.ClientURL())
	r := startRelay(t, store, js)
	appendEvents(t, store, 20)
	waitFor(t, "relay", func() bool { return r.Status().Published == 20 })
	f, _ := feed.NewJetStream(js, relay.DefaultStreamName, "r2", quiet)

	sub, topic, _ := f.Subscriber("customers", func() uint64 { return 0 })
	c, _ := sub.Subscribe(context.Background(), topic)
	receive(t, c, 20)
	sub.Close()

	sub2, _, _ := f.Subscriber("customers", func() uint64 { return 5 }) // lost 6..20
	defer sub2.Close()
	c2, _ := sub2.Subscribe(context.Background(), topic)
	sameEvents(t, receive(t, c2, 15), readLog(t, store, 6, 20))
}

// TestJetStreamFeedSurvivesOutage: the server stops while events are written and consumed and
// starts again on the same port and store; the subscriber delivers every event once, in order.
func TestJetStreamFeedSurvivesOutage(t *testing.T) {
	store := openStore(t)
	dir := t.TempDir()
	srv := startNATS(t, dir, -1)
	p := port(srv)
	js := jetStream(t, srv.ClientURL())
	startRelay(t, store, js)
	f, _ := feed.NewJetStream(js, relay.DefaultStreamName, "r3", quiet)
	var checkpoint atomic.Uint64
	sub, topic, _ := f.Subscriber("customers", checkpoint.Load)
	defer sub.Close()
	c, _ := sub.Subscribe(context.Background(), topic)

	got := make(chan eventstore.Event, 1000)
	go func() {
		for msg := range c {
			e, err := wire.EventFromMessage(msg)
			if err != nil {
				t.Error(err)
				return
			}
			msg.Ack()
			checkpoint.Store(e.Position)
			got <- e
		}
	}()
	appendEvents(t, store, 100)
	srv.Shutdown()
	srv.WaitForShutdown()
	appendEvents(t, store, 100) // the log takes writes while NATS is down
	startNATS(t, dir, p)
	appendEvents(t, store, 100)

	var all []eventstore.Event
	timeout := time.After(60 * time.Second)
	for len(all) < 300 {
		select {
		case e := <-got:
			if e.Position != uint64(len(all)+1) {
				t.Fatalf("event %d delivered at place %d", e.Position, len(all)+1)
			}
			all = append(all, e)
		case <-timeout:
			t.Fatalf("timed out after %d of 300 events", len(all))
		}
	}
	sameEvents(t, all, readLog(t, store, 1, 300))
	select {
	case e := <-got:
		t.Fatalf("extra event %d", e.Position)
	case <-time.After(200 * time.Millisecond):
	}
}

func TestNewJetStreamRejectsBadReaderID(t *testing.T) {
	for _, id := range []string{"", "a.b", "a b", "a*", "x>"} {
		if _, err := feed.NewJetStream((jetstream.JetStream)(nil), "LEDGER", id, quiet); err == nil {
			t.Errorf("reader id %q accepted", id)
		}
	}
}

// waitDeadline is when a wait for something that will happen gives up: shortly before go test's
// own -timeout (so the failure says what was awaited), never at a fixed time a loaded machine
// may pass; none without a -timeout.
func waitDeadline(t testing.TB) time.Time {
	if dt, ok := t.(interface{ Deadline() (time.Time, bool) }); ok {
		if d, ok := dt.Deadline(); ok {
			return d.Add(-max(time.Until(d)/10, 5*time.Second))
		}
	}
	return time.Now().Add(1 << 62)
}
