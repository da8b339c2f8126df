package projections

import (
	"context"
	"reflect"

	"github.com/nordledger/ledger/internal/tracing"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// SpanApply is the span of applying events to the read models: on the writer a child of the
// commit pipeline's apply (eventstore.SpanApply), on a reader a child of the first event's
// delivery (feed.SpanDeliver) linked to the others of the batch. The runner records it in the
// traces of what it applies when those record; it needs no tracer of its own.
const SpanApply = "projections.apply"

// Attributes of SpanApply.
const (
	AttrEvents  = attribute.Key("projections.events")   // events applied in the transaction(s)
	AttrCatchUp = attribute.Key("projections.catch_up") // events read from the log first (the writer's catch-up)
	AttrUpTo    = attribute.Key("projections.position") // the position applied up to
	attrError   = attribute.Key("error.type")
)

// endApply ends an apply span.
func endApply(span trace.Span, events int, upTo uint64, err error) {
	span.SetAttributes(AttrEvents.Int(events), AttrUpTo.Int64(int64(upTo)))
	if err != nil {
		span.SetStatus(codes.Error, "the read models were not written")
		span.SetAttributes(attrError.String(reflect.TypeOf(err).String()))
	}
	span.End()
}

// startBatchApply starts the apply span of a reader's batch: the child of the first event's
// delivery span that records, linked to the others'.
func startBatchApply(ctx context.Context, spans []trace.Span) (context.Context, trace.Span) {
	return tracing.StartLinked(ctx, SpanApply, len(spans), func(i int) trace.Span { return spans[i] })
}
