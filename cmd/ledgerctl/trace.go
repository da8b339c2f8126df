package main

import (
	"context"
	"fmt"
	"net/http"

	"go.opentelemetry.io/otel/trace"

	"github.com/nordledger/ledger/internal/tracing"
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

// readTraceContext reads TRACEPARENT and TRACESTATE with ledgerd's own W3C Trace Context
// reader (tracing.Extract) and writes the headers with its writer (tracing.Inject): a later
// version of traceparent is sent as version 00, what ledgerd would read of it.
func readTraceContext(e *env) http.Header {
	parent, state := e.getenv(envTraceParent), e.getenv(envTraceState)
	if parent == "" {
		if state != "" {
			fmt.Fprintf(e.stderr, "ledgerctl: %s without %s: not sent\n", envTraceState, envTraceParent)
		}
		return nil
	}
	ctx := tracing.Extract(context.Background(), parent, state)
	if !trace.SpanContextFromContext(ctx).IsValid() {
		fmt.Fprintf(e.stderr, "ledgerctl: %s %s is not a W3C traceparent: not sent\n", envTraceParent, quoteBounded(parent))
		return nil
	}
	if _, err := trace.ParseTraceState(state); err != nil {
		fmt.Fprintf(e.stderr, "ledgerctl: %s %s is not a W3C tracestate: not sent (%s is)\n", envTraceState, quoteBounded(state), envTraceParent)
	}
	h := http.Header{}
	tracing.Inject(ctx, h) // as ledgerd sends it to the services it asks (tracestate bounded)
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

// tracedTransport is a RoundTripper that sends the trace headers (env.traceHeaders) on each request.
type tracedTransport struct {
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
	return &tracedTransport{next: next, headers: h}
}

func (t *tracedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context()) // a RoundTripper must not change the request
	for k, v := range t.headers {
		r.Header[k] = v
	}
	return t.next.RoundTrip(r)
}
