package feed_test

import (
	"context"
	"testing"
	"time"

	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/eventstore/feed"
	"github.com/nordledger/ledger/eventstore/relay"
)

// TestLogFeedInOrderFromCheckpoint: the local feed delivers the events after the checkpoint, in
// order, each exactly as stored; a nacked message comes again before anything after it.
func TestLogFeedInOrderFromCheckpoint(t *testing.T) {
	store := openStore(t)
	appendEvents(t, store, 10)
	sub, topic, err := feed.NewLog(store, quiet).Subscriber("customers", func() uint64 { return 3 })
	if err != nil {
		t.Fatal(err)
	}
	if topic != relay.StreamSubjects {
		t.Errorf("topic %q, want %q", topic, relay.StreamSubjects)
	}
	defer sub.Close()
	c, err := sub.Subscribe(context.Background(), topic)
	if err != nil {
		t.Fatal(err)
	}
	first := <-c
	first.Nack()
	again := <-c
	if again.UUID != first.UUID {
		t.Fatalf("after a nack got %s, want %s again", again.UUID, first.UUID)
	}
	again.Ack()
	e4, err := relay.EventFromMessage(again)
	if err != nil {
		t.Fatal(err)
	}
	sameEvents(t, append([]eventstore.Event{e4}, receive(t, c, 6)...), readLog(t, store, 4, 10))
}

// TestLogFeedFollowsNewEventsAndCloses: events appended later are delivered, and Close ends the
// subscription by closing its channel.
func TestLogFeedFollowsNewEventsAndCloses(t *testing.T) {
	store := openStore(t)
	sub, topic, _ := feed.NewLog(store, quiet).Subscriber("customers", func() uint64 { return 0 })
	c, err := sub.Subscribe(context.Background(), topic)
	if err != nil {
		t.Fatal(err)
	}
	appendEvents(t, store, 5)
	sameEvents(t, receive(t, c, 5), readLog(t, store, 1, 5))
	if err := sub.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case _, ok := <-c:
		if ok {
			t.Fatal("message after Close")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("channel not closed after Close")
	}
	if _, err := sub.Subscribe(context.Background(), topic); err == nil {
		t.Fatal("Subscribe after Close succeeded")
	}
}
