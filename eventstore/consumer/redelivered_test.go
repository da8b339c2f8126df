package consumer_test

import (
	"context"
	"errors"
	"testing"

	"github.com/nordledger/ledger/eventstore/consumer"
)

// TestConsumerMarksAnEventHandedOverBeforeRedelivered: an event handed to a handler whose
// process then died before it was acknowledged comes again in the next run — and Event.Redelivered
// must say so ("the handler may have seen it before, in this process or an earlier one"), also
// when the Consumer made the durable again to keep the order (it had unacknowledged deliveries).
func TestConsumerMarksAnEventHandedOverBeforeRedelivered(t *testing.T) {
	l := newLedger(t)
	l.add(t, "1001", customer("1001", "Anna Andersson")...) // positions 1 and 2
	cfg := consumer.Config{JetStream: l.js, LedgerNo: "1000", Durable: "crash"}

	first := &recorder{}
	first.fail = func(e *consumer.Event) error {
		if e.Position == 2 { // handled, then the process dies before the acknowledgement
			first.stop()
			return errors.New("killed")
		}
		return nil
	}
	if err := run(t, cfg, first); err != nil {
		t.Fatal(err)
	}

	second := &recorder{}
	var again *consumer.Event
	second.fail = func(e *consumer.Event) error {
		if e.Position == 2 {
			again = e
			second.stop()
		}
		return nil
	}
	if err := run(t, cfg, second); err != nil && !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	if again == nil {
		t.Fatal("event 2 did not come again")
	}
	if !again.Redelivered {
		t.Errorf("event 2, handed over before and not acknowledged, comes again with Redelivered false")
	}
}
