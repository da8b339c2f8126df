package consumer_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nordledger/ledger/eventstore/consumer"
)

// TestConsumerKeepsPulledAheadInProgress: with a handler slower than AckWait, the events the
// Consumer pulled ahead of the batch it is handling (up to 2×MaxBatch in all) wait longer than
// AckWait. They must not expire meanwhile: JetStream would deliver each of them again — skipped
// by position, so nothing is lost, but a handler that is always slow would have the server
// redeliver every event pulled ahead, again and again. So while the handler holds the first
// event, JetStream is told again and again that every event held is in progress (the "+WPI"
// acknowledgements it receives for them, which restart their AckWait): each of the four the
// durable delivered (MaxAckPending) is marked at least twice. The test awaits those marks rather
// than asserting that nothing was delivered again within some time: a machine stalled longer
// than AckWait makes JetStream deliver again, rightly, whatever the Consumer does.
func TestConsumerKeepsPulledAheadInProgress(t *testing.T) {
	l := newLedger(t)
	l.add(t, "1001", customer("1001", "Anna Andersson")...)   // positions 1, 2
	l.add(t, "1002", customer("1002", "Bertil Berg")...)      // 3, 4
	l.add(t, "1003", customer("1003", "Cecilia Carlsson")...) // 5, 6
	ctx := context.Background()

	// What the durable's client acknowledges, as JetStream receives it: each message's
	// acknowledgement subject names the consumer and the message's stream sequence.
	acks := make(chan *nats.Msg, 256)
	sub, err := l.js.Conn().ChanSubscribe("$JS.ACK.>", acks)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	if err := l.js.Conn().Flush(); err != nil {
		t.Fatal(err)
	}

	blocked, release := make(chan struct{}), make(chan struct{})
	letGo := sync.OnceFunc(func() { close(release) })
	defer letGo()
	r := &recorder{stopAt: 6}
	r.fail = func(e *consumer.Event) error {
		if e.Position == 1 { // slow: it holds the first event until the test lets go
			close(blocked)
			<-release
		}
		return nil
	}
	const ackWait = 3 * time.Second // the Consumer marks what it holds every second
	cfg := consumer.Config{JetStream: l.js, LedgerNo: "1000", Durable: "slow", AckWait: ackWait, MaxBatch: 2}
	done := make(chan error, 1)
	go func() { done <- run(t, cfg, r) }()
	<-blocked

	// A clock made of events, for a Consumer that never marks: a probe consumer with the same
	// AckWait, which never acknowledges, gets its first event a fourth time once 3×AckWait
	// passed — time for the Consumer's marks three times over.
	probe, err := l.js.CreateConsumer(ctx, consumer.DefaultStream, jetstream.ConsumerConfig{Durable: "probe",
		FilterSubject: consumer.FilterSubject("1000"), AckPolicy: jetstream.AckExplicitPolicy, AckWait: ackWait, MaxAckPending: 1})
	if err != nil {
		t.Fatal(err)
	}
	expired := make(chan struct{})
	var once sync.Once
	cc, err := probe.Consume(func(m jetstream.Msg) {
		if md, err := m.Metadata(); err == nil && md.NumDelivered >= 4 {
			once.Do(func() { close(expired) })
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Stop()

	marked := map[uint64]int{} // marks by stream sequence
	for len(marked) < 4 || slices.Min(counts(marked)) < 2 {
		select {
		case a := <-acks:
			md, err := (&nats.Msg{Reply: a.Subject, Sub: sub}).Metadata()
			if err != nil {
				t.Fatalf("acknowledgement subject %s: %v", a.Subject, err)
			}
			if md.Stream == consumer.DefaultStream && md.Consumer == "slow" && string(a.Data) == "+WPI" {
				marked[md.Sequence.Stream]++
			}
		case <-expired:
			t.Fatalf("with a handler slower than AckWait, the Consumer did not keep what it holds in progress: marks by stream sequence %v after 3×AckWait, want each of 4 marked twice", marked)
		}
	}
	letGo()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := r.positions(); !slices.Equal(got, seq(1, 6)) {
		t.Fatalf("positions %v, want 1..6", got)
	}
}

// counts returns the map's values.
func counts[K comparable](m map[K]int) []int {
	out := make([]int, 0, len(m))
	for _, n := range m {
		out = append(out, n)
	}
	return out
}
