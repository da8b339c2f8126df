package consumer

import (
	"context"
	"reflect"

	"github.com/nordledger/ledger/internal/tracing"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// SpanHandle is the span of one event's handling by the Handler (all its attempts): a consumer
// span, the child of the trace context the event carries (the request that caused it).
const SpanHandle = "consumer.handle"

// Attributes of SpanHandle. None holds a subject, a customer number or event data.
const (
	AttrEventType   = attribute.Key("ledger.event.type")     // e.g. "CustomerCreated"
	AttrPosition    = attribute.Key("ledger.event.position") // the event's log position
	AttrAttempts    = attribute.Key("ledger.consumer.attempts")
	AttrRedelivered = attribute.Key("ledger.consumer.redelivered")
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
