package consumer_test

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/nordledger/ledger/eventstore/consumer"
)

// fetch takes n deliveries from a real durable, waiting for the relay to publish them.
func fetch(t *testing.T, cons jetstream.Consumer, n int) []jetstream.Msg {
	t.Helper()
	var out []jetstream.Msg
	for len(out) < n {
		b, err := cons.Fetch(n - len(out))
		if err != nil {
			t.Fatal(err)
		}
		for m := range b.Messages() {
			out = append(out, m)
		}
		if err := b.Error(); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// TestConsumerRedeliveryInTheSameBatch: JetStream delivers an event again while its first
// delivery still waits, pulled ahead, behind a slow handler — its AckWait passed without the
// "in progress" reaching the server (NATS down longer than AckWait), or it was nak'ed — and both
// deliveries end up in one batch. The event is handed over once, in log order: never again
// after the events that follow it (an older address after a newer one), and the second
// delivery is acknowledged only after the first was handed over.
func TestConsumerRedeliveryInTheSameBatch(t *testing.T) {
	l := newLedger(t)
	l.add(t, "1001", customer("1001", "Anna Andersson")...) // positions 1, 2
	l.add(t, "1002", customer("1002", "Bertil Berg")...)    // 3, 4
	ctx := context.Background()
	cons, err := l.js.CreateConsumer(ctx, consumer.DefaultStream, jetstream.ConsumerConfig{Durable: "again",
		FilterSubject: consumer.FilterSubject("1000"), AckPolicy: jetstream.AckExplicitPolicy, MaxDeliver: -1,
		DeliverPolicy: jetstream.DeliverByStartSequencePolicy, OptStartSeq: 3})
	if err != nil {
		t.Fatal(err)
	}
	first := fetch(t, cons, 2) // positions 3 and 4
	if err := first[0].Nak(); err != nil {
		t.Fatal(err)
	}
	again := fetch(t, cons, 1) // position 3 again
	batch := append(first, again...)
	for i, want := range []uint64{3, 4, 3} {
		if md, err := batch[i].Metadata(); err != nil || md.Sequence.Stream != want {
			t.Fatalf("delivery %d: %+v %v, want position %d", i, md, err, want)
		}
	}

	c, err := consumer.New(consumer.Config{JetStream: l.js, LedgerNo: "1000", Durable: "again", Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var got []uint64
	last, err := c.HandleBatch(ctx, func(_ context.Context, e *consumer.Event) error {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, e.Position)
		return nil
	}, batch, 2)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, []uint64{3, 4}) || last != 4 {
		t.Errorf("handed over %v (last %d), want 3, 4 once each", got, last)
	}
}
