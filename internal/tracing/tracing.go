// Package tracing holds what the service's packages share of OpenTelemetry tracing: entry spans
// that always carry a W3C trace context even when nothing records them (the context events store
// and NATS messages carry), child spans that follow their parent's tracer provider (child.go),
// the trace context as the strings stored with events, and log lines carrying the trace id
// (log.go). It depends on OpenTelemetry's API only; ledgerd configures the SDK from the
// environment (cmd/ledgerd/tracing.go).
//
// The packages that start traces take a trace.TracerProvider in their configuration; nil is
// otel's no-op provider there, which records nothing and costs next to nothing.
package tracing

import (
	"context"
	"math/rand/v2"

	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// Provider returns tp, or otel's no-op provider when tp is nil.
func Provider(tp trace.TracerProvider) trace.TracerProvider {
	if tp == nil {
		return noop.NewTracerProvider()
	}
	return tp
}

// Enabled reports whether tp may record spans: false for nil and otel's no-op provider. Code
// that must do work before it can start a span (parse a stored trace context) skips it when
// false.
func Enabled(tp trace.TracerProvider) bool {
	switch tp.(type) {
	case nil, noop.TracerProvider, *noop.TracerProvider:
		return false
	}
	return true
}

// StartEntry starts a span with tracer as tracer.Start does, for work that enters the service
// (an HTTP request, a sweep of its own): its trace context is what the work's events record and
// traceresponse answers, so it must have one of its own even when the tracer records nothing
// and gives it none (the no-op provider). Then the span is a child of ctx's span context — the
// same trace and flags, a new span id — or, without one, the root of a new sampled trace (so
// that consumers who record traces record this one), and records nothing.
func StartEntry(ctx context.Context, tracer trace.Tracer, name string, opts ...trace.SpanStartOption) (context.Context, trace.Span) {
	parent := trace.SpanContextFromContext(ctx)
	if _, none := tracer.(noop.Tracer); !none { // the no-op tracer's span would be the parent's
		sctx, span := tracer.Start(ctx, name, opts...)
		if sc := span.SpanContext(); sc.IsValid() && sc.SpanID() != parent.SpanID() {
			return sctx, span
		}
	}
	cfg := trace.SpanContextConfig{SpanID: newSpanID()}
	if parent.IsValid() {
		cfg.TraceID, cfg.TraceFlags, cfg.TraceState = parent.TraceID(), parent.TraceFlags(), parent.TraceState()
	} else {
		cfg.TraceID, cfg.TraceFlags = newTraceID(), trace.FlagsSampled
	}
	ctx = trace.ContextWithSpanContext(ctx, trace.NewSpanContext(cfg))
	return ctx, trace.SpanFromContext(ctx)
}

func newTraceID() trace.TraceID {
	var id trace.TraceID
	for !id.IsValid() {
		putUint64(id[:8], rand.Uint64())
		putUint64(id[8:], rand.Uint64())
	}
	return id
}

func newSpanID() trace.SpanID {
	var id trace.SpanID
	for !id.IsValid() {
		putUint64(id[:], rand.Uint64())
	}
	return id
}

func putUint64(b []byte, v uint64) {
	for i := range 8 {
		b[i] = byte(v >> (56 - 8*i))
	}
}

// W3C Trace Context header names.
const (
	HeaderTraceParent = "traceparent"
	HeaderTraceState  = "tracestate"
	// HeaderTraceResponse is Trace Context Level 2's response header: the server's span.
	HeaderTraceResponse = "traceresponse"
)

// propagator reads and writes traceparent and tracestate.
var propagator = propagation.TraceContext{}

// Format returns the span context of ctx's span as traceparent and tracestate values, as the
// W3C propagator writes them ("" when ctx has no valid span context; tracestate "" when empty),
// the tracestate cut to MaxTraceState (BoundTraceState): events record them.
func Format(ctx context.Context) (traceParent, traceState string) {
	var c pair
	propagator.Inject(ctx, &c)
	return c.parent, BoundTraceState(c.state)
}

// Extract returns ctx with the remote span context that traceParent and traceState (as stored
// with an event) describe; ctx itself when traceParent is not a valid traceparent. An invalid
// traceState is dropped, the traceparent kept.
func Extract(ctx context.Context, traceParent, traceState string) context.Context {
	if traceParent == "" {
		return ctx
	}
	return propagator.Extract(ctx, &pair{parent: traceParent, state: traceState})
}

// Parse returns the span context traceParent and traceState describe (invalid when traceParent
// is not a valid traceparent).
func Parse(traceParent, traceState string) trace.SpanContext {
	return trace.SpanContextFromContext(Extract(context.Background(), traceParent, traceState))
}

// pair is a propagation.TextMapCarrier of one traceparent and tracestate.
type pair struct{ parent, state string }

func (p *pair) Get(key string) string {
	switch key {
	case HeaderTraceParent:
		return p.parent
	case HeaderTraceState:
		return p.state
	}
	return ""
}

func (p *pair) Set(key, value string) {
	switch key {
	case HeaderTraceParent:
		p.parent = value
	case HeaderTraceState:
		p.state = value
	}
}

func (p *pair) Keys() []string { return []string{HeaderTraceParent, HeaderTraceState} }
