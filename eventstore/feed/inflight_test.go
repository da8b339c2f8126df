package feed_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/nordledger/ledger/eventstore/feed"
	"github.com/nordledger/ledger/eventstore/relay"
	"github.com/nordledger/ledger/internal/natsproxy"
)

// TestJetStreamFeedMessageLostInFlight: NATS delivered an event to the reader's connection, the
// connection broke before it arrived (a NATS restart or a network cut mid-batch) and the client
// reconnected by itself. JetStream counts the event delivered and sends it again only after the
// ack wait, behind the newer events the reconnected pull gets at once. The feed must go on with
// the lost event, never hand a later one over first — the runner takes that for a gap in the
// log and stops the reader's read models for good.
func TestJetStreamFeedMessageLostInFlight(t *testing.T) {
	store := openStore(t)
	srv := startNATS(t, t.TempDir(), -1)
	startRelay(t, store, jetStream(t, srv.ClientURL()))
	p := natsproxy.New(t, srv.ClientURL())
	f, err := feed.NewJetStream(jetStream(t, p.URL()), relay.DefaultStreamName, "reader-1", quiet)
	if err != nil {
		t.Fatal(err)
	}
	var checkpoint atomic.Uint64
	sub, topic, err := f.Subscriber("projections", checkpoint.Load)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sub.Close() })
	c, err := sub.Subscribe(context.Background(), topic)
	if err != nil {
		t.Fatal(err)
	}
	next := func() uint64 { t.Helper(); return applyNext(t, c, &checkpoint).Position }

	appendEvents(t, store, 2)
	for want := uint64(1); want <= 2; want++ {
		if got := next(); got != want {
			t.Fatalf("position %d, want %d", got, want)
		}
	}
	p.DropToClient()          // from now on what NATS sends the reader is lost on the way
	appendEvents(t, store, 2) // positions 3, 4: delivered, never arrive
	<-p.Dropped()
	p.Cut()                   // the connection breaks; the client reconnects
	appendEvents(t, store, 2) // positions 5, 6
	for want := uint64(3); want <= 6; want++ {
		if got := next(); got != want {
			t.Fatalf("after the connection lost events in flight the feed delivered position %d, want %d", got, want)
		}
	}
}
