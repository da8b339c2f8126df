package tracing

import (
	"context"
	"net/http"
)

// Inject writes the span context of ctx's span into h as the W3C traceparent and tracestate
// headers of an outgoing request (the W3C propagator's format, as the service reads them), so
// the service asked continues the trace: the span in ctx — a client span for the call, when one
// records — is the parent of what it records. The tracestate is cut to MaxTraceState
// (BoundTraceState). Nothing is written when ctx holds no valid span context (and any
// traceparent and tracestate h had are removed); baggage never is.
func Inject(ctx context.Context, h http.Header) {
	h.Del(HeaderTraceParent)
	h.Del(HeaderTraceState)
	parent, state := Format(ctx)
	if parent == "" {
		return
	}
	h.Set(HeaderTraceParent, parent)
	if state != "" {
		h.Set(HeaderTraceState, state)
	}
}
