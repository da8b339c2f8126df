package eventstore

import (
	"context"
	"reflect"
	"time"

	"github.com/nordledger/ledger/internal/tracing"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// The spans of the commit pipeline (docs/architecture.md, "Tracing"). The store records them in
// the traces of the appends that record (a span in Append's ctx that records): it needs no
// tracer of its own, and costs nothing when no append's trace is recorded.
const (
	// SpanAppend is an Append call: from the call until it is answered; a child of the caller's
	// span, linked to the group commit it joined.
	SpanAppend = "eventstore.append"
	// SpanGroup is one group commit on its way through the pipeline, from the writer taking it to
	// its appends being answered: a child of its first append that records, linked to the others.
	SpanGroup = "eventstore.group_commit"
	// SpanPrepare, SpanCommit and SpanApply are the group's stages (pipeline.go); SpanFsync is
	// the end of the commit: the transaction's pages written and fsynced.
	SpanPrepare = "eventstore.prepare"
	SpanCommit  = "eventstore.commit"
	SpanFsync   = "eventstore.fsync"
	SpanApply   = "eventstore.apply"
)

// Attributes of the pipeline's spans. None holds a stream name, key or event data.
const (
	AttrGroupAppends = attribute.Key("eventstore.group.appends") // appends in the group
	AttrGroupEvents  = attribute.Key("eventstore.group.events")  // events it stored
	AttrGroupRefused = attribute.Key("eventstore.group.refused") // appends refused (version, reservation, id reuse)
	// AttrFsyncSeconds is how long the group's transaction took to commit: its pages written and
	// fsynced, in seconds.
	AttrFsyncSeconds = attribute.Key("eventstore.group.fsync_seconds")
	AttrApplyGroups  = attribute.Key("eventstore.apply.groups") // groups applied together
	AttrEvents       = attribute.Key("eventstore.events")       // events of an append or an apply
	AttrPosition     = attribute.Key("eventstore.position")     // an append's last log position
	AttrDuplicate    = attribute.Key("eventstore.duplicate")    // an append was an idempotent retry
	AttrErrorType    = attribute.Key("error.type")              // the Go type of an error (never its text)
)

// traceAppend ends an Append's span, linked to the group commit it joined.
func traceAppend(span trace.Span, op *appendOp, events int, res AppendResult, err error) {
	attrs := []attribute.KeyValue{AttrEvents.Int(events)}
	if res.LastPosition > 0 {
		attrs = append(attrs, AttrPosition.Int64(int64(res.LastPosition)))
	}
	if res.Duplicate {
		attrs = append(attrs, AttrDuplicate.Bool(true))
	}
	if err != nil {
		attrs = append(attrs, AttrErrorType.String(errorType(err)))
		if !isRequestError(err) {
			span.SetStatus(codes.Error, "the append failed")
		}
	}
	span.SetAttributes(attrs...)
	if op != nil && op.group.IsValid() {
		span.AddLink(trace.Link{SpanContext: op.group})
	}
	span.End()
}

// traceGroup starts the span of a group the writer took.
func (s *Store) traceGroup(g *group) {
	_, g.span = tracing.StartLinked(context.Background(), SpanGroup, len(g.ops), func(i int) trace.Span { return g.ops[i].span })
	if !g.span.IsRecording() {
		return
	}
	g.span.SetAttributes(AttrGroupAppends.Int(len(g.ops)))
	sc := g.span.SpanContext()
	for _, op := range g.ops {
		op.group = sc
	}
}

// stageStart returns the time a stage of g starts, when g's span records (else zero).
func (g *group) stageStart() time.Time {
	if g.span.IsRecording() {
		return time.Now()
	}
	return time.Time{}
}

// traceStage records a stage of g that started at start and ended now (when g's span records).
func (g *group) traceStage(name string, start time.Time, err error) {
	if start.IsZero() {
		return
	}
	_, span := g.span.TracerProvider().Tracer(tracing.Scope).Start(trace.ContextWithSpan(context.Background(), g.span), name, trace.WithTimestamp(start))
	if err != nil {
		span.SetStatus(codes.Error, name+" failed")
		span.SetAttributes(AttrErrorType.String(errorType(err)))
	}
	span.End()
}

// traceCommit records g's commit: the transaction from start, its pages written and fsynced
// from synced.
func (g *group) traceCommit(start, synced time.Time, err error) {
	if !g.span.IsRecording() {
		return
	}
	end := time.Now()
	tr := g.span.TracerProvider().Tracer(tracing.Scope)
	ctx, span := tr.Start(trace.ContextWithSpan(context.Background(), g.span), SpanCommit, trace.WithTimestamp(start))
	_, fsync := tr.Start(ctx, SpanFsync, trace.WithTimestamp(synced))
	fsync.End(trace.WithTimestamp(end))
	refused := 0
	for _, op := range g.ops {
		if op.err != nil {
			refused++
		}
	}
	g.span.SetAttributes(AttrGroupEvents.Int(len(g.events)), AttrGroupRefused.Int(refused), AttrFsyncSeconds.Float64(end.Sub(synced).Seconds()))
	if err != nil {
		span.SetStatus(codes.Error, "the transaction failed")
		span.SetAttributes(AttrErrorType.String(errorType(err)))
	}
	span.End(trace.WithTimestamp(end))
}

// endGroup ends g's span.
func (g *group) endGroup(err error) {
	if !g.span.IsRecording() {
		return
	}
	if err != nil {
		g.span.SetStatus(codes.Error, "the group failed")
		g.span.SetAttributes(AttrErrorType.String(errorType(err)))
	}
	g.span.End()
}

// traceApply starts the span of the apply stage of groups.
func traceApply(ctx context.Context, groups []*group, events int) (context.Context, trace.Span) {
	ctx, span := tracing.StartLinked(ctx, SpanApply, len(groups), func(i int) trace.Span { return groups[i].span })
	if span.IsRecording() {
		span.SetAttributes(AttrApplyGroups.Int(len(groups)), AttrEvents.Int(events))
	}
	return ctx, span
}

// endApply ends the apply stage's span and its groups'.
func endApply(span trace.Span, groups []*group, err error) {
	if span.IsRecording() {
		if err != nil {
			span.SetStatus(codes.Error, "the apply failed")
			span.SetAttributes(AttrErrorType.String(errorType(err)))
		}
		span.End()
	}
	for _, g := range groups {
		g.endGroup(err)
	}
}

// errorType names an error by its Go type, for error.type: an error's text may name a stream.
func errorType(err error) string {
	if u, ok := err.(interface{ Unwrap() []error }); ok && len(u.Unwrap()) > 0 {
		err = u.Unwrap()[len(u.Unwrap())-1]
	}
	return reflect.TypeOf(err).String()
}
