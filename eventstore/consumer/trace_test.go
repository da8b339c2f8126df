package consumer_test

import (
	"context"
	"errors"
	"testing"

	"github.com/nordledger/ledger/eventstore/consumer"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// TestConsumerRedeliveryKeepsTheTrace: an event handed over again in the next run (its process
// died before the acknowledgement) is handled in a span of its own that continues the same trace
// as the first handling — both children of the event's trace context, the second marked
// redelivered — and every span the consumer started has ended.
func TestConsumerRedeliveryKeepsTheTrace(t *testing.T) {
	l := newLedger(t)
	l.add(t, "1001", customer("1001", "Anna Andersson")...) // positions 1 and 2
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	cfg := consumer.Config{JetStream: l.js, LedgerNo: "1000", Durable: "traced", TracerProvider: tp}

	first := &recorder{}
	first.fail = func(e *consumer.Event) error {
		if e.Position == 2 {
			first.stop()
			return errors.New("killed")
		}
		return nil
	}
	if err := run(t, cfg, first); err != nil && !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	second := &recorder{}
	second.fail = func(e *consumer.Event) error {
		if e.Position == 2 {
			second.stop()
		}
		return nil
	}
	if err := run(t, cfg, second); err != nil && !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}

	var handled []sdktrace.ReadOnlySpan // of event 2
	for _, sp := range rec.Ended() {
		for _, a := range sp.Attributes() {
			if sp.Name() == consumer.SpanHandle && a.Key == consumer.AttrPosition && a.Value.AsInt64() == 2 {
				handled = append(handled, sp)
			}
		}
	}
	if len(handled) != 2 {
		t.Fatalf("event 2 handled in %d spans, want 2", len(handled))
	}
	for i, sp := range handled {
		redelivered := false
		for _, a := range sp.Attributes() {
			if a.Key == consumer.AttrRedelivered {
				redelivered = a.Value.AsBool()
			}
		}
		if sp.Parent().TraceID().String() != "4bf92f3577b34da6a3ce929d0e0e4736" || sp.Parent().SpanID().String() != "00f067aa0ba902b7" ||
			redelivered != (i == 1) {
			t.Errorf("handling %d of event 2: parent %v, redelivered %v", i+1, sp.Parent(), redelivered)
		}
	}
	if started, ended := len(rec.Started()), len(rec.Ended()); started != ended {
		t.Errorf("%d spans started, %d ended", started, ended)
	}
}
