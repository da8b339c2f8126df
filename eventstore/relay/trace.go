package relay

import (
	"context"
	"errors"
	"reflect"

	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/internal/tracing"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// SpanPublish is the span of one event's publication, from its batch's send to JetStream's
// acknowledgement: a producer span, the child of the trace context stored with the event (the
// request that caused it). The message's traceparent header stays that stored context, as
// documented: readers and consumers continue the request's trace.
const SpanPublish = "relay.publish"

// Attributes of SpanPublish. None holds a subject (it names the customer) or event data.
const (
	AttrEventType = attribute.Key("ledger.event.type")     // e.g. "CustomerCreated"
	AttrPosition  = attribute.Key("ledger.event.position") // the event's log position (its stream sequence)
	AttrBatch     = attribute.Key("messaging.batch.message_count")
	attrSystem    = attribute.Key("messaging.system")
	attrOperation = attribute.Key("messaging.operation.type")
	attrMessageID = attribute.Key("messaging.message.id")
	attrErrorType = attribute.Key("error.type")
)

// errUnsettled ends the spans of batches still in flight when publishing stopped.
var errUnsettled = errors.New("relay: publishing stopped before the acknowledgement")

// startPublish starts the publication spans of a batch of events (nil when the relay records no
// spans, or none of the events has a trace context).
func (r *Relay) startPublish(ctx context.Context, events []eventstore.Event) []trace.Span {
	if !r.tracing {
		return nil
	}
	var spans []trace.Span
	for i, e := range events {
		if e.TraceParent == "" {
			continue
		}
		_, span := r.tracer.Start(tracing.Extract(ctx, e.TraceParent, e.TraceState), SpanPublish, trace.WithSpanKind(trace.SpanKindProducer))
		if !span.IsRecording() {
			continue
		}
		if spans == nil {
			spans = make([]trace.Span, 0, len(events)-i)
		}
		span.SetAttributes(attrSystem.String("nats"), attrOperation.String("send"), attrMessageID.String(e.ID.String()),
			AttrEventType.String(e.Type), AttrPosition.Int64(int64(e.Position)), AttrBatch.Int(len(events)))
		spans = append(spans, span)
	}
	return spans
}

// endPublish ends publication spans with their batch's outcome.
func endPublish(spans []trace.Span, err error) {
	for _, span := range spans {
		if err != nil {
			span.SetStatus(codes.Error, "not published")
			span.SetAttributes(attrErrorType.String(reflect.TypeOf(err).String()))
		}
		span.End()
	}
}
