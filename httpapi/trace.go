package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/internal/tracing"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// Attributes of a request's span (OpenTelemetry's HTTP semantic conventions, and the
// service's own). None holds a path, a query, a header value or an address: only the route
// pattern, the method, the status and bounded names.
const (
	attrMethod  = attribute.Key("http.request.method")
	attrRoute   = attribute.Key("http.route")
	attrStatus  = attribute.Key("http.response.status_code")
	attrCommand = attribute.Key("ledger.command") // the operation id of a request that changes data
	attrProblem = attribute.Key("ledger.problem") // the problem code answered
	// attrCallOutcome is a provider call's outcome: "ok", the domain error's code (the register's
	// "not-found"), "unavailable" (the provider could not answer) or "cancelled" (the caller went
	// away); the last two make the span an error.
	attrCallOutcome = attribute.Key("ledger.call.outcome")
)

// The spans of the providers' calls a request makes (docs/architecture.md, "Tracing"): client
// spans, children of the request's span, with the call's outcome (attrCallOutcome) and nothing
// of what was sent.
const (
	// SpanPopulationRegister is asking the population register for a person.
	SpanPopulationRegister = "populationregister.person"
	// SpanCardVerification is asking the card-verification provider to start a verification.
	SpanCardVerification = "cardverification.start"
)

// startCall starts the span of a provider's call (a child of the request's span when it records).
func startCall(ctx context.Context, name string) (context.Context, trace.Span) {
	return tracing.StartChild(ctx, name, trace.WithSpanKind(trace.SpanKindClient))
}

// endCall ends a provider call's span with its outcome; the error's text (it may name a URL) is
// never recorded.
func endCall(span trace.Span, err error) {
	if !span.IsRecording() {
		return
	}
	outcome := "ok"
	var de *domain.Error
	var re *registerError
	var ve *verifierError
	switch {
	case err == nil:
	case errors.As(err, &de):
		outcome = string(de.Code)
	case errors.As(err, &re), errors.As(err, &ve): // the provider's own timeout too
		outcome = "unavailable"
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		outcome = "cancelled"
	default:
		outcome = "unavailable"
	}
	span.SetAttributes(attrCallOutcome.String(outcome))
	if outcome == "cancelled" || outcome == "unavailable" {
		span.SetStatus(codes.Error, "the provider did not answer")
	}
	span.End()
}

// startSpan starts the request's span, a server span in the caller's W3C trace: a single valid
// traceparent (exactly one header) is continued — the same trace, a new span for this request —
// with the caller's tracestate when it is valid (cut to tracing.MaxTraceState: boundTraceState);
// anything else starts a new trace. The request's
// span is answered in traceresponse (Trace Context Level 2) and recorded on the events the
// request causes (ri.traceParent, ri.traceState). Without a tracer provider that records (no
// OTEL_* configuration) the span records nothing but still has a context of its own
// (tracing.StartEntry).
func (s *Server) startSpan(ctx context.Context, r *http.Request, w http.ResponseWriter, ri *reqInfo) (context.Context, trace.Span) {
	ctx = boundTraceState(propagation.TraceContext{}.Extract(ctx, requestCarrier(r.Header)))
	tracer := s.tracer
	if tracer == nil { // a Server not made by New (tests)
		tracer = noop.Tracer{}
	}
	ctx, span := tracing.StartEntry(ctx, tracer, r.Method, trace.WithSpanKind(trace.SpanKindServer))
	ri.traceParent, ri.traceState = tracing.Format(ctx)
	w.Header().Set(tracing.HeaderTraceResponse, ri.traceParent)
	return ctx, span
}

// boundTraceState cuts the caller's tracestate in ctx to tracing.MaxTraceState bytes, as W3C
// Trace Context truncates it (tracing.BoundTraceState), before the request's span takes it: a
// valid tracestate may hold 32 members of 513 bytes, and every span of the request would carry
// (and export) it, where the events keep 512 bytes of it.
func boundTraceState(ctx context.Context) context.Context {
	sc := trace.SpanContextFromContext(ctx)
	if sc.TraceState().Len() == 0 {
		return ctx
	}
	state := sc.TraceState().String()
	if len(state) <= tracing.MaxTraceState {
		return ctx
	}
	ts, err := trace.ParseTraceState(tracing.BoundTraceState(state))
	if err != nil { // cannot be: members of a valid list, fewer of them
		ts = trace.TraceState{}
	}
	return trace.ContextWithRemoteSpanContext(ctx, sc.WithTraceState(ts))
}

// endSpan ends the request's span, named and described by its route pattern once routing knows
// it ("{method} {route}"; the method alone for a request no route matched).
func endSpan(span trace.Span, r *http.Request, ri *reqInfo, status int) {
	if !span.IsRecording() {
		return
	}
	method := metricMethod(r.Method)
	attrs := []attribute.KeyValue{attrMethod.String(method)}
	if status > 0 {
		attrs = append(attrs, attrStatus.Int(status))
	}
	if ri.route != "unmatched" {
		span.SetName(method + " " + ri.route)
		attrs = append(attrs, attrRoute.String(ri.route))
	}
	if ri.command != "" {
		attrs = append(attrs, attrCommand.String(ri.command))
	}
	if ri.problem != "" {
		attrs = append(attrs, attrProblem.String(ri.problem))
	}
	span.SetAttributes(attrs...)
	if status >= 500 {
		span.SetStatus(codes.Error, http.StatusText(status))
	}
	span.End()
}

// abortSpan ends the span of a request whose answer was cut off (http.ErrAbortHandler), as an
// error; status is what was written before (0: nothing).
func abortSpan(span trace.Span, r *http.Request, ri *reqInfo, status int) {
	if !span.IsRecording() {
		return
	}
	span.SetStatus(codes.Error, "the answer was cut off")
	endSpan(span, r, ri, status)
}

// requestCarrier reads a request's trace context headers for the W3C propagator: traceparent
// only when there is exactly one (two make it invalid), tracestate as the comma-joined list of
// every tracestate header.
type requestCarrier http.Header

func (c requestCarrier) Get(key string) string {
	switch key { // the propagator asks in lower case; the header map is keyed canonically
	case tracing.HeaderTraceParent:
		if values := c["Traceparent"]; len(values) == 1 {
			return values[0]
		}
		return ""
	case tracing.HeaderTraceState:
		return strings.Join(c["Tracestate"], ",")
	}
	return http.Header(c).Get(key)
}

func (c requestCarrier) Set(key, value string) { http.Header(c).Set(key, value) }

func (c requestCarrier) Keys() []string {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	return keys
}
