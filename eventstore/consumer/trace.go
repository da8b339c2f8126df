package consumer

import (
	"context"
	"reflect"

	"github.com/nordledger/ledger/internal/tracing"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// SpanHandle is the span of one event's handling by the Handler (all its attempts): a consumer
// span, the child of the trace context the event carries (the request that caused it).
const SpanHandle = "consumer.handle"

// SpanOpen is the span of a batch's personal data obtained from the ledger's writer (all the
// Opener's attempts): a client span, the child of the trace context of the batch's first event
// that has one, linked to the others'; the requests carry it as their traceparent.
const SpanOpen = "consumer.open"

// Attributes of SpanHandle. None holds a subject, a customer number or event data.
const (
	AttrEventType   = attribute.Key("ledger.event.type")     // e.g. "CustomerCreated"
	AttrPosition    = attribute.Key("ledger.event.position") // the event's log position
	AttrAttempts    = attribute.Key("ledger.consumer.attempts")
	AttrRedelivered = attribute.Key("ledger.consumer.redelivered")
	attrBatchCount  = attribute.Key("messaging.batch.message_count") // of SpanOpen: the sealed events it opens
	attrSystem      = attribute.Key("messaging.system")
	attrOperation   = attribute.Key("messaging.operation.type")
	attrGroup       = attribute.Key("messaging.consumer.group.name")
	attrErrorType   = attribute.Key("error.type")
)

// startHandle starts the span of e's handling.
func (c *Consumer) startHandle(ctx context.Context, e *Event) (context.Context, trace.Span) {
	if !tracing.Enabled(c.cfg.TracerProvider) {
		return ctx, tracing.NoSpan
	}
	ctx = tracing.Extract(ctx, e.TraceParent, e.TraceState)
	ctx, span := c.tracer.Start(ctx, SpanHandle, trace.WithSpanKind(trace.SpanKindConsumer))
	if span.IsRecording() {
		span.SetAttributes(attrSystem.String("nats"), attrOperation.String("process"), attrGroup.String(c.cfg.Durable),
			AttrEventType.String(e.Type), AttrPosition.Int64(int64(e.Position)), AttrRedelivered.Bool(e.Redelivered))
	}
	return ctx, span
}

// endHandle ends the span of an event's handling. A Handler's error is named by its type only:
// its text is the application's and may hold anything.
func endHandle(span trace.Span, attempts int, err error) {
	if !span.IsRecording() {
		return
	}
	span.SetAttributes(AttrAttempts.Int(attempts))
	if err != nil {
		span.SetStatus(codes.Error, "the event was not handled")
		span.SetAttributes(attrErrorType.String(reflect.TypeOf(err).String()))
	}
	span.End()
}

// startOpen starts the span of opening the personal data of a batch's sealed events (SpanOpen),
// whose context the Opener's requests carry: the child of the first sealed event's trace
// context, linked to the other events' (one request serves several traces). Without a tracer
// provider that records it still has a context of its own (tracing.StartEntry: the event's
// trace, a new span id), so the writer continues the request's trace all the same. A batch with
// nothing sealed gets none, nor one whose events carry no trace context with nothing in ctx
// unless the tracer starts a span of its own (a new trace, when it records).
func (c *Consumer) startOpen(ctx context.Context, events []*Event) (context.Context, trace.Span) {
	var parent trace.SpanContext
	var links []trace.Link
	seen := map[trace.SpanID]bool{}
	sealed := 0
	for _, e := range events {
		if e.Personal != PersonalSealed {
			continue
		}
		sealed++
		sc := tracing.Parse(e.TraceParent, e.TraceState)
		switch {
		case !sc.IsValid() || seen[sc.SpanID()]:
		case !parent.IsValid():
			parent = sc
		default:
			links = append(links, trace.Link{SpanContext: sc})
		}
		seen[sc.SpanID()] = true
	}
	opts := []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindClient), trace.WithLinks(links...)}
	var span trace.Span
	switch {
	case sealed == 0:
		return ctx, tracing.NoSpan
	case !parent.IsValid() && !trace.SpanContextFromContext(ctx).IsValid():
		// No trace to continue: a span only when the tracer starts one of its own — not the
		// global provider the program did not set up (tracing.Enabled cannot tell it from one
		// that records), whose span has no context: StartEntry would make up a trace the
		// writer continues.
		if !tracing.Enabled(c.cfg.TracerProvider) {
			return ctx, tracing.NoSpan
		}
		var sctx context.Context
		if sctx, span = c.tracer.Start(ctx, SpanOpen, opts...); !span.SpanContext().IsValid() {
			span.End()
			return ctx, tracing.NoSpan
		}
		ctx = sctx
	default:
		if parent.IsValid() {
			ctx = trace.ContextWithRemoteSpanContext(ctx, parent)
		}
		tracer := c.tracer
		if !tracing.Enabled(c.cfg.TracerProvider) {
			tracer = noop.Tracer{}
		}
		ctx, span = tracing.StartEntry(ctx, tracer, SpanOpen, opts...)
	}
	if span.IsRecording() {
		span.SetAttributes(attrSystem.String("nats"), attrGroup.String(c.cfg.Durable), attrBatchCount.Int(sealed))
	}
	return ctx, span
}

// endOpen ends the span of a batch's opening after attempts requests; err is why it stopped
// without the personal data (Run stopping, or an error no retry mends), named by its type.
func endOpen(span trace.Span, attempts int, err error) {
	if !span.IsRecording() {
		return
	}
	span.SetAttributes(AttrAttempts.Int(attempts))
	if err != nil {
		span.SetStatus(codes.Error, "the personal data was not obtained")
		span.SetAttributes(attrErrorType.String(reflect.TypeOf(err).String()))
	}
	span.End()
}
