package consumer_test

import (
	"context"
	"runtime"
	"strings"
	"testing"

	"github.com/nordledger/ledger/eventstore/consumer"
)

// consumerGoroutines returns the stacks of the goroutines running a Consumer's code.
func consumerGoroutines() []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "eventstore/consumer.(*Consumer)") {
			out = append(out, g)
		}
	}
	return out
}

// TestConsumerRunLeavesNoGoroutine: when Run returns, nothing it started runs on — not the
// goroutine that takes the durable's deliveries from the iterator (holding them, messages of the
// connection), nor the one that keeps them in progress — also when the program closed the NATS
// connection before stopping it, which leaves no acknowledgement to flush.
func TestConsumerRunLeavesNoGoroutine(t *testing.T) {
	l := newLedger(t)
	l.add(t, "1001", customer("1001", "Anna Andersson")...)
	l.add(t, "1002", customer("1002", "Bertil Berg")...)
	for _, closeConn := range []bool{false, true} {
		js := connect(t, l.js.Conn().ConnectedUrl())
		c, err := consumer.New(consumer.Config{JetStream: js, LedgerNo: "1000", Durable: "leak", MaxBatch: 1, Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		err = c.Run(ctx, func(_ context.Context, e *consumer.Event) error {
			if closeConn {
				js.Conn().Close()
			}
			cancel() // events after it are pulled ahead
			return nil
		})
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		if g := consumerGoroutines(); len(g) > 0 {
			t.Errorf("connection closed %v: after Run returned, %d goroutines of the Consumer still run:\n%s", closeConn, len(g), strings.Join(g, "\n\n"))
		}
	}
}
