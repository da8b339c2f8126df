package app

import (
	"context"
	"errors"
	"reflect"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/internal/tracing"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// The spans of a command (docs/architecture.md, "Tracing"), recorded as children of the span in
// the command's context when that records (the HTTP request's): the handler needs no tracer.
const (
	// SpanCommand is a command: "command {Meta.Command}".
	SpanCommand = "command"
	// SpanDecide is loading the customer and deciding (each attempt); SpanSeal encoding the
	// decided events and sealing their personal members. The append is the event store's span
	// (eventstore.SpanAppend).
	SpanDecide = "commands.decide"
	SpanSeal   = "commands.seal"
)

// Attributes of a command's span. None holds a customer number, a stream or a value.
const (
	AttrCommand  = attribute.Key("ledger.command")          // Meta.Command
	AttrAttempts = attribute.Key("ledger.command.attempts") // load-decide-append attempts
	AttrEvents   = attribute.Key("ledger.command.events")   // events appended
	AttrOutcome  = attribute.Key("ledger.command.outcome")  // "ok", "unchanged", "not-applied", or the domain error's code
	AttrError    = attribute.Key("error.type")              // the Go type of an error other than a domain one
)

// traced returns meta with the trace context of ctx's span when meta carries none: the events a
// command appends record the span that asked for it (the request's, a sweep's).
func traced(ctx context.Context, meta Meta) Meta {
	if meta.TraceParent == "" {
		meta.TraceParent, meta.TraceState = tracing.Format(ctx)
	}
	return meta
}

// startCommand starts a command: meta with its trace context, and the command's span.
func startCommand(ctx context.Context, meta Meta, fallback string) (context.Context, Meta, trace.Span) {
	meta = traced(ctx, meta)
	if !trace.SpanFromContext(ctx).IsRecording() {
		return ctx, meta, tracing.NoSpan
	}
	name := meta.Command
	if name == "" {
		name = fallback
	}
	ctx, span := tracing.StartChild(ctx, SpanCommand+" "+name)
	span.SetAttributes(AttrCommand.String(name))
	return ctx, meta, span
}

// endCommand ends a command's span with its outcome. A command answered before the read models
// show it (eventstore.ErrNotApplied: a write stored, or a refusal decided, while they lag) is an
// error whatever it decided: its request is answered 503.
func endCommand(span trace.Span, attempts int, res Result, err error) {
	outcome := "ok"
	var de *domain.Error
	switch {
	case errors.Is(err, eventstore.ErrNotApplied):
		outcome = "not-applied"
		span.SetStatus(codes.Error, "the read models did not show it in time")
		span.SetAttributes(AttrError.String(errorType(err)))
	case errors.As(err, &de):
		outcome = string(de.Code)
	case errors.Is(err, ErrPreconditionFailed):
		outcome = "precondition-failed"
	case err != nil:
		outcome = "error"
		span.SetStatus(codes.Error, "the command failed")
		span.SetAttributes(AttrError.String(errorType(err)))
	case !res.Changed:
		outcome = "unchanged"
	}
	span.SetAttributes(AttrOutcome.String(outcome), AttrAttempts.Int(attempts))
	span.End()
}

// errorType names an error by its Go type (its text may name a stream).
func errorType(err error) string {
	for {
		u, ok := err.(interface{ Unwrap() []error })
		if !ok || len(u.Unwrap()) == 0 {
			return reflect.TypeOf(err).String()
		}
		err = u.Unwrap()[len(u.Unwrap())-1]
	}
}
