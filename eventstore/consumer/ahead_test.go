package consumer_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/nordledger/ledger/eventstore/consumer"
)

// TestConsumerKeepsPulledAheadInProgress: with a handler slower than AckWait, the events the
// Consumer pulled ahead of the batch it is handling (up to 2×MaxBatch in all) wait longer than
// AckWait. They must not expire meanwhile: JetStream would deliver each of them again — skipped
// by position, so nothing is lost, but a handler that is always slow would have the server
// redeliver every event pulled ahead, again and again. So after the slow handler let go, every
// event was delivered exactly once: the durable's delivery count equals the number of events.
func TestConsumerKeepsPulledAheadInProgress(t *testing.T) {
	l := newLedger(t)
	l.add(t, "1001", customer("1001", "Anna Andersson")...)   // positions 1, 2
	l.add(t, "1002", customer("1002", "Bertil Berg")...)      // 3, 4
	l.add(t, "1003", customer("1003", "Cecilia Carlsson")...) // 5, 6
	ctx := context.Background()

	blocked, release := make(chan struct{}), make(chan struct{})
	r := &recorder{stopAt: 6}
	r.fail = func(e *consumer.Event) error {
		if e.Position == 1 { // slow: it holds the first event until the test lets go
			close(blocked)
			<-release
		}
		return nil
	}
	// AckWait is 3 s: the Consumer marks what it holds every AckWait/3, so only a stall of the
	// test process longer than 2 s (a loaded CI machine) could let an event expire.
	const ackWait = 3 * time.Second
	cfg := consumer.Config{JetStream: l.js, LedgerNo: "1000", Durable: "slow", AckWait: ackWait, MaxBatch: 2}
	done := make(chan error, 1)
	go func() { done <- run(t, cfg, r) }()
	<-blocked

	// The durable delivered all it may (MaxAckPending, 2×MaxBatch = 4): event 1 in the handler,
	// the others pulled ahead.
	cons, err := l.js.Consumer(ctx, consumer.DefaultStream, "slow")
	if err != nil {
		t.Fatal(err)
	}
	for {
		info, err := cons.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if info.Delivered.Stream == 4 {
			break
		}
		time.Sleep(10 * time.Millisecond) // polling the server's state, not waiting for time to pass
	}
	// A clock made of events: a probe consumer with the same AckWait, which never acknowledges,
	// gets its first event again twice — so at least 2×AckWait passed since the durable's
	// deliveries above, and JetStream would have delivered any of them again that had expired.
	probe, err := l.js.CreateConsumer(ctx, consumer.DefaultStream, jetstream.ConsumerConfig{Durable: "probe",
		FilterSubject: consumer.FilterSubject("1000"), AckPolicy: jetstream.AckExplicitPolicy, AckWait: ackWait, MaxAckPending: 1})
	if err != nil {
		t.Fatal(err)
	}
	for delivered := uint64(0); delivered < 3; {
		b, err := probe.Fetch(1, jetstream.FetchMaxWait(3*ackWait))
		if err != nil {
			t.Fatal(err)
		}
		for m := range b.Messages() {
			md, err := m.Metadata()
			if err != nil {
				t.Fatal(err)
			}
			delivered = md.NumDelivered
		}
	}
	info, err := cons.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := r.positions(); !slices.Equal(got, seq(1, 6)) {
		t.Fatalf("positions %v, want 1..6", got)
	}
	after, err := cons.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.NumRedelivered != 0 || after.Delivered.Consumer != 6 {
		t.Errorf("with a handler slower than AckWait, JetStream delivered events again: %d redelivered while it was busy, %d deliveries for 6 events",
			info.NumRedelivered, after.Delivered.Consumer)
	}
}
