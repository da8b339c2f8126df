package tracing_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/nordledger/ledger/internal/tracing"
)

// TestInject: an outgoing request's headers get ctx's span context as W3C traceparent and
// tracestate (cut to 512 bytes); without a valid span context none — and none left from before.
func TestInject(t *testing.T) {
	long := "a=1," + strings.Repeat("b", 200) + "=2"
	for i := 0; len(long) < 800; i++ {
		long += ",k" + string(rune('a'+i)) + "=" + strings.Repeat("v", 30)
	}
	h := http.Header{}
	tracing.Inject(tracing.Extract(context.Background(), caller, long), h)
	if h.Get("traceparent") != caller || h.Get("tracestate") != tracing.BoundTraceState(long) || len(h.Get("tracestate")) > tracing.MaxTraceState ||
		!strings.HasPrefix(h.Get("tracestate"), "a=1,k") {
		t.Errorf("traceparent %q, tracestate %d bytes %.40q…", h.Get("traceparent"), len(h.Get("tracestate")), h.Get("tracestate"))
	}
	tracing.Inject(tracing.Extract(context.Background(), caller, ""), h)
	if h.Get("traceparent") != caller || len(h.Values("tracestate")) != 0 {
		t.Errorf("without a tracestate: %v", h)
	}
	tracing.Inject(context.Background(), h)
	if len(h) != 0 {
		t.Errorf("without a span context: %v", h)
	}
}
