package main

import (
	"context"
	"fmt"
	"net/http"

	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// A ledgerctl started inside a trace — by a CI job, a batch or a script whose caller set
// TRACEPARENT and TRACESTATE, OpenTelemetry's environment carriers
// (https://opentelemetry.io/docs/specs/otel/context/env-carriers/) — continues it: it sends
// them as traceparent and tracestate (W3C Trace Context) on each of its requests to ledgerd, so
// that ledgerd's spans, and the events a request causes, belong to the caller's trace.
// ledgerctl records no span of its own: the caller's span is the requests' parent.
const (
	envTraceParent = "TRACEPARENT"
	envTraceState  = "TRACESTATE"
)

// traceHeaders returns the traceparent and tracestate headers to send to ledgerd (none
// without a valid TRACEPARENT), read from the environment once per command: a value that is
// not W3C Trace Context is not sent, and a line on stderr says so.
func (e *env) traceHeaders() http.Header {
	e.traceOnce.Do(func() { e.trace = readTraceContext(e) })
	return e.trace
}

// readTraceContext reads TRACEPARENT and TRACESTATE as W3C Trace Context's propagator reads
// the headers — ledgerd's way (httpapi's startSpan) — and writes the headers as it writes
// them: a later version of traceparent is sent as version 00, what ledgerd would read of it.
func readTraceContext(e *env) http.Header {
	parent, state := e.getenv(envTraceParent), e.getenv(envTraceState)
	if parent == "" {
		if state != "" {
			fmt.Fprintf(e.stderr, "ledgerctl: %s without %s: not sent\n", envTraceState, envTraceParent)
		}
		return nil
	}
	var tc propagation.TraceContext
	ctx := tc.Extract(context.Background(), propagation.MapCarrier{"traceparent": parent, "tracestate": state})
	if !trace.SpanContextFromContext(ctx).IsValid() {
		fmt.Fprintf(e.stderr, "ledgerctl: %s %s is not a W3C traceparent: not sent\n", envTraceParent, quoteBounded(parent))
		return nil
	}
	if _, err := trace.ParseTraceState(state); err != nil {
		fmt.Fprintf(e.stderr, "ledgerctl: %s %s is not a W3C tracestate: not sent (%s is)\n", envTraceState, quoteBounded(state), envTraceParent)
	}
	h := http.Header{}
	tc.Inject(ctx, propagation.HeaderCarrier(h))
	return h
}

// quoteBounded quotes the start of a value for a message (an environment variable may hold
// anything, of any length).
func quoteBounded(s string) string {
	const most = 200
	if len(s) > most {
		return fmt.Sprintf("%q...", s[:most])
	}
	return fmt.Sprintf("%q", s)
}

// tracing is a RoundTripper that sends the trace headers (env.traceHeaders) on each request.
type tracing struct {
	next    http.RoundTripper
	headers http.Header
}

// traced returns next (nil: http.DefaultTransport) sending the environment's trace context.
func (e *env) traced(next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	h := e.traceHeaders()
	if len(h) == 0 {
		return next
	}
	return &tracing{next: next, headers: h}
}

func (t *tracing) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context()) // a RoundTripper must not change the request
	for k, v := range t.headers {
		r.Header[k] = v
	}
	return t.next.RoundTrip(r)
}
