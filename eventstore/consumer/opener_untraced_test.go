package consumer_test

import (
	"context"
	"errors"
	"testing"

	"github.com/nordledger/ledger/eventstore/consumer"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// TestConsumerPersonalDataRequestsWithoutTraceContext: with nothing recording — no
// TracerProvider (the global one, which the program did not set up) or a no-op one — a batch
// whose events carry no trace context is asked for without one (SpanOpen: "whose events carry no
// trace context with nothing in ctx, gets none"): no made-up trace the writer would continue.
func TestConsumerPersonalDataRequestsWithoutTraceContext(t *testing.T) {
	for name, tp := range map[string]trace.TracerProvider{"default": nil, "noop": noop.NewTracerProvider()} {
		t.Run(name, func(t *testing.T) {
			l := newLedger(t)
			l.addTraced(t, "1001", "", "", customer("1001", "Anna Andersson")...)
			hl, o := recordingOpener(t, l)
			r := &recorder{stopAt: 2}
			if err := run(t, consumer.Config{JetStream: l.js, LedgerNo: "1000", Durable: "crm", Opener: o, TracerProvider: tp}, r); err != nil && !errors.Is(err, context.Canceled) {
				t.Fatal(err)
			}
			got := hl.headers()
			if len(got) == 0 {
				t.Fatal("no request")
			}
			for i, h := range got {
				if h.Get("traceparent") != "" || h.Get("tracestate") != "" {
					t.Errorf("request %d: traceparent %q tracestate %q; want none", i+1, h.Get("traceparent"), h.Get("tracestate"))
				}
			}
		})
	}
}
