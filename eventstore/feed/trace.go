package feed

import (
	"context"
	"strings"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nordledger/ledger/eventstore/wire"
	"github.com/nordledger/ledger/internal/tracing"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// SpanDeliver is the span of one message's delivery to the projections' handler, until the
// handler acknowledged it: a consumer span, the child of the trace context the message carries
// (the request that caused the event). The handler finds it in the message's context; the
// projections' apply (projections.SpanApply) is its child or links to it.
const SpanDeliver = "feed.deliver"

// Attributes of SpanDeliver. None holds a subject (it names the customer) or event data.
const (
	AttrEventType = attribute.Key("ledger.event.type")     // e.g. "CustomerCreated"
	AttrPosition  = attribute.Key("ledger.event.position") // the stream sequence, which is the log position
	attrDelivered = attribute.Key("messaging.nats.delivered")
	attrSystem    = attribute.Key("messaging.system")
	attrOperation = attribute.Key("messaging.operation.type")
	attrConsumer  = attribute.Key("messaging.consumer.group.name")
)

// startDeliver starts msg's delivery span (ctx itself and tracing.NoSpan when the feed records
// no spans).
func (s *jsSubscriber) startDeliver(ctx context.Context, msg *message.Message, md *jetstream.MsgMetadata) (context.Context, trace.Span) {
	tp := s.feed.TracerProvider
	if !tracing.Enabled(tp) {
		return ctx, tracing.NoSpan
	}
	parent := tracing.Extract(ctx, msg.Metadata.Get(wire.HeaderTraceParent), msg.Metadata.Get(wire.HeaderTraceState))
	dctx, span := tp.Tracer(tracing.Scope).Start(parent, SpanDeliver, trace.WithSpanKind(trace.SpanKindConsumer))
	if !span.IsRecording() {
		return ctx, tracing.NoSpan
	}
	span.SetAttributes(attrSystem.String("nats"), attrOperation.String("process"), attrConsumer.String(s.name),
		AttrEventType.String(strings.TrimPrefix(msg.Metadata.Get(wire.HeaderType), "ledger.customer.v1.")),
		AttrPosition.Int64(int64(md.Sequence.Stream)), attrDelivered.Int64(int64(md.NumDelivered)))
	return dctx, span
}

// endDeliver ends a delivery span.
func endDeliver(span trace.Span, delivered bool) {
	if !span.IsRecording() {
		return
	}
	if !delivered {
		span.SetStatus(codes.Error, "not delivered: the feed stopped")
	}
	span.End()
}
