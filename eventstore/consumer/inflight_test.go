package consumer_test

import (
	"slices"
	"testing"

	"github.com/nordledger/ledger/eventstore/consumer"
	"github.com/nordledger/ledger/internal/natsproxy"
)

// TestConsumerMessageLostInFlight: NATS delivered an event to the consumer's connection, the
// connection broke before the message arrived (a NATS restart or a network cut mid-batch) and
// the client reconnected by itself. JetStream counts the event delivered and sends it again only
// after AckWait — behind the newer events the reconnected pull gets at once. The consumer must
// still hand every event over in log order, the lost one included: never a newer event first,
// and never the lost one skipped as "handed over already" when it finally comes.
func TestConsumerMessageLostInFlight(t *testing.T) {
	l := newLedger(t)
	p := natsproxy.New(t, l.js.Conn().ConnectedUrl())
	l.add(t, "1001", customer("1001", "Anna Andersson")...) // positions 1, 2

	var r *recorder
	var afterCut []uint64 // what the handler got after the cut: must be 3, 4, 5, 6
	got2 := make(chan struct{})
	r = &recorder{fail: func(e *consumer.Event) error {
		r.mu.Lock()
		defer r.mu.Unlock()
		if e.Position == 2 && len(afterCut) == 0 {
			select {
			case <-got2:
			default:
				close(got2)
			}
		}
		if e.Position > 2 {
			afterCut = append(afterCut, e.Position)
			if e.Position == 6 || !slices.Equal(afterCut, seq(3, e.Position)) {
				r.stop()
			}
		}
		return nil
	}}
	cfg := consumer.Config{JetStream: connect(t, p.URL()), LedgerNo: "1000", Durable: "inflight"}
	done := make(chan error, 1)
	go func() { done <- run(t, cfg, r) }()

	<-got2
	p.DropToClient()                                          // from now on what NATS sends the consumer is lost on the way
	l.add(t, "1002", customer("1002", "Bertil Berg")...)      // positions 3, 4: delivered, never arrive
	<-p.Dropped()                                             // NATS sent at least event 3
	p.Cut()                                                   // the connection breaks; the client reconnects
	l.add(t, "1003", customer("1003", "Cecilia Carlsson")...) // positions 5, 6

	if err := <-done; err != nil {
		t.Fatal(err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if !slices.Equal(afterCut, seq(3, 6)) {
		t.Errorf("after the connection lost events in flight the handler got positions %v, want 3..6 in order", afterCut)
	}
}
