package relay_test

import (
	"context"
	"testing"
	"time"

	"github.com/nordledger/ledger/eventstore/relay"
	"github.com/nordledger/ledger/eventstore/wire"
)

// TestRelayAfterTheDuplicateWindow: the relay's exactly-once does not rest on JetStream's
// de-duplication window. A writer dies with events stored but unpublished — two of them
// published, their acks lost — and starts again only after the window has passed: every event
// is in the stream once, at its position. And a late re-send of an event already in the stream,
// arriving after the window, is refused by its Nats-Expected-Last-Sequence, not stored twice.
func TestRelayAfterTheDuplicateWindow(t *testing.T) {
	const window = 100 * time.Millisecond
	s := startServer(t, t.TempDir(), -1)
	nc := connect(t, s.ClientURL())
	js := newJetStream(t, nc)
	if err := relay.EnsureStream(context.Background(), js, relay.StreamConfig{Duplicates: window}); err != nil {
		t.Fatalf("EnsureStream: %v", err)
	}
	store := openStore(t, t.TempDir())
	r := startRelay(t, relay.Config{Log: store, JetStream: js})
	appendEvents(t, store, 10)
	waitPublished(t, r, 10)
	if err := r.stop(); err != nil { // the writer dies
		t.Fatal(err)
	}

	appendEvents(t, store, 5) // stored, positions 11..15; 11 and 12 reached the stream, their acks lost
	pub, err := relay.NewAsyncPublisher(connect(t, s.ClientURL()), relay.AsyncPublisherConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	publish := func(p uint64) error {
		msg, err := wire.NewMessage(readLog(t, store)[p-1])
		if err != nil {
			t.Fatal(err)
		}
		msg.Metadata.Set(wire.HeaderExpectedStream, relay.DefaultStreamName)
		return pub.Publish("", msg)
	}
	for p := uint64(11); p <= 12; p++ {
		if err := publish(p); err != nil {
			t.Fatalf("position %d: %v", p, err)
		}
	}
	time.Sleep(3 * window) // what is under test: the window has passed, whatever the machine's load

	r = startRelay(t, relay.Config{Log: store, JetStream: js})
	waitPublished(t, r, 15)
	if err := publish(5); err == nil { // a late re-send of an event the stream holds
		t.Error("a re-send of position 5 after the window was accepted")
	}
	checkReplay(t, replay(t, js, 15), readLog(t, store))
	if err := r.stop(); err != nil {
		t.Fatal(err)
	}
}
