package tracing

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// Scope is the instrumentation scope (the tracer name) of every span the service records.
const Scope = "github.com/nordledger/ledger"

// NoSpan is a span that records nothing, to hand out where no span was started.
var NoSpan trace.Span = noop.Span{}

// StartChild starts a span named name as a child of ctx's span, with the tracer provider that
// made that span, when ctx's span records. Otherwise it returns ctx as it is and NoSpan, at no
// cost: the stages inside the service (a command, a group commit, an apply) are recorded in the
// traces whose entry span is recorded, and need no configuration of their own.
func StartChild(ctx context.Context, name string, opts ...trace.SpanStartOption) (context.Context, trace.Span) {
	parent := trace.SpanFromContext(ctx)
	if !parent.IsRecording() {
		return ctx, NoSpan
	}
	return parent.TracerProvider().Tracer(Scope).Start(ctx, name, opts...)
}

// StartLinked starts a span named name for work done for n spans at once (a group commit, an
// apply of several groups, a reader's batch), span(i) giving each: a child of the first of them
// that is recorded, linked to the others that are; ctx as it is and NoSpan when none is. A span
// that ended recorded counts (recorded): a reader's deliveries end, acknowledged, before the
// batch that holds them is applied.
func StartLinked(ctx context.Context, name string, n int, span func(i int) trace.Span, opts ...trace.SpanStartOption) (context.Context, trace.Span) {
	first := -1
	for i := range n {
		if recorded(span(i)) {
			first = i
			break
		}
	}
	if first < 0 {
		return ctx, NoSpan
	}
	parent := span(first)
	ctx, s := parent.TracerProvider().Tracer(Scope).Start(trace.ContextWithSpan(ctx, parent), name, opts...)
	if s.IsRecording() {
		for i := first + 1; i < n; i++ {
			if o := span(i); recorded(o) {
				s.AddLink(trace.Link{SpanContext: o.SpanContext()})
			}
		}
	}
	return ctx, s
}

// recorded reports whether s records or recorded: it is recording, or it is an SDK span that
// ended (the SDK's spans stop recording when they end; the API has no other way to ask).
func recorded(s trace.Span) bool {
	if s.IsRecording() {
		return true
	}
	ended, ok := s.(interface{ EndTime() time.Time })
	return ok && s.SpanContext().IsValid() && !ended.EndTime().IsZero()
}
