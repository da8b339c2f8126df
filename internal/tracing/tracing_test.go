package tracing_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/nordledger/ledger/internal/tracing"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

const caller = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

// TestParseFormat: W3C trace context is read and written as the specification says (the W3C
// propagator's processing model), and a stored traceparent round-trips.
func TestParseFormat(t *testing.T) {
	sc := tracing.Parse(caller, "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE")
	if !sc.IsValid() || sc.TraceID().String() != "4bf92f3577b34da6a3ce929d0e0e4736" || sc.SpanID().String() != "00f067aa0ba902b7" || !sc.IsSampled() {
		t.Fatalf("Parse: %v", sc)
	}
	tp, ts := tracing.Format(trace.ContextWithSpanContext(context.Background(), sc))
	if tp != caller || ts != "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE" {
		t.Errorf("Format: %q %q", tp, ts)
	}
	// A future version may append fields; it is read as version 00. (The propagator also takes
	// a version 00 value followed by a lone "-", which the specification's 55 characters exclude.)
	if sc := tracing.Parse("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-the-future-holds", ""); !sc.IsValid() {
		t.Error("a future version is not read")
	}
	// An invalid tracestate is dropped, the traceparent kept.
	if sc := tracing.Parse(caller, "not a list member"); !sc.IsValid() || sc.TraceState().Len() != 0 {
		t.Errorf("invalid tracestate: %v", sc)
	}
	for _, bad := range []string{
		"",
		"00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",     // upper case
		"00-00000000000000000000000000000000-00f067aa0ba902b7-01",     // zero trace id
		"00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",     // zero parent id
		"ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",     // forbidden version
		"00-4bf92f3577b34da6a3ce929d0e0e473-600f067aa0ba902b7-01",     // misplaced dash
		"00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",     // wrong separators
		"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g",     // bad flags
		"cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01.xyz", // future version without a dash
	} {
		if sc := tracing.Parse(bad, ""); sc.IsValid() {
			t.Errorf("Parse(%q) accepted it", bad)
		}
		if tp, _ := tracing.Format(tracing.Extract(context.Background(), bad, "")); tp != "" {
			t.Errorf("Extract(%q) gave %q", bad, tp)
		}
	}
}

// TestStartEntryWithoutRecording: with the no-op provider (no tracing configured) an entry span
// still has a context of its own — the caller's trace, flags and tracestate with a new span id,
// or a new sampled trace — and records nothing.
func TestStartEntryWithoutRecording(t *testing.T) {
	tracer := noop.NewTracerProvider().Tracer("test")
	parent := tracing.Extract(context.Background(), caller, "vendor=abc")
	ctx, span := tracing.StartEntry(parent, tracer, "request")
	sc, psc := span.SpanContext(), trace.SpanContextFromContext(parent)
	if span.IsRecording() || !sc.IsValid() || sc.TraceID() != psc.TraceID() || sc.SpanID() == psc.SpanID() ||
		sc.TraceFlags() != psc.TraceFlags() || sc.TraceState().String() != "vendor=abc" {
		t.Fatalf("continued: %v from %v", sc, psc)
	}
	if !trace.SpanContextFromContext(ctx).Equal(sc) {
		t.Error("the context does not hold the span")
	}
	_, a := tracing.StartEntry(context.Background(), tracer, "request")
	_, b := tracing.StartEntry(context.Background(), tracer, "request")
	if !a.SpanContext().IsValid() || !a.SpanContext().IsSampled() || a.SpanContext().TraceID() == b.SpanContext().TraceID() {
		t.Errorf("new traces: %v %v", a.SpanContext(), b.SpanContext())
	}
	// What starts under a span that does not record records nothing, and costs nothing.
	if cctx, child := tracing.StartChild(ctx, "child"); child.IsRecording() || child.SpanContext().IsValid() || cctx != ctx {
		t.Errorf("StartChild under a non-recording span: %v", child)
	}
}

// TestStartEntryRecording: with the SDK the entry span is the SDK's, and StartChild and
// StartLinked record children and links with the parents' provider.
func TestStartEntryRecording(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	ctx, span := tracing.StartEntry(tracing.Extract(context.Background(), caller, ""), tp.Tracer("test"), "request")
	if !span.IsRecording() || span.SpanContext().TraceID().String() != "4bf92f3577b34da6a3ce929d0e0e4736" {
		t.Fatalf("entry: %v", span.SpanContext())
	}
	_, a := tracing.StartChild(ctx, "a")
	_, other := tracing.StartEntry(context.Background(), tp.Tracer("test"), "other")
	_, group := tracing.StartLinked(context.Background(), "group", 3, func(i int) trace.Span { return []trace.Span{tracing.NoSpan, a, other}[i] })
	for _, s := range []trace.Span{group, a, other, span} {
		s.End()
	}
	ended := rec.Ended()
	if len(ended) != 4 {
		t.Fatalf("%d spans ended", len(ended))
	}
	g, child := ended[0], ended[1]
	if child.Parent().SpanID() != span.SpanContext().SpanID() {
		t.Errorf("StartChild: parent %v", child.Parent())
	}
	if g.Parent().SpanID() != a.SpanContext().SpanID() || len(g.Links()) != 1 || g.Links()[0].SpanContext.SpanID() != other.SpanContext().SpanID() {
		t.Errorf("StartLinked: parent %v, links %v", g.Parent(), g.Links())
	}
	if _, none := tracing.StartLinked(context.Background(), "none", 1, func(int) trace.Span { return tracing.NoSpan }); none.SpanContext().IsValid() {
		t.Error("StartLinked without a recording span started one")
	}
}

// TestLogHandler: a record logged in a span's context carries the trace and span ids, once even
// when the handler is wrapped twice; one logged without a span carries neither.
func TestLogHandler(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(tracing.LogHandler(tracing.LogHandler(slog.NewTextHandler(&buf, nil)))).With("component", "test")
	ctx := tracing.Extract(context.Background(), caller, "")
	log.InfoContext(ctx, "in a span")
	log.Info("without")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 || strings.Count(lines[0], "traceId=4bf92f3577b34da6a3ce929d0e0e4736") != 1 ||
		!strings.Contains(lines[0], "spanId=00f067aa0ba902b7") || strings.Contains(lines[1], "traceId") {
		t.Errorf("log:\n%s", buf.String())
	}
}

// TestStartLinkedEndedSpans: spans that ended recorded count as recorded — the batch's span is the
// child of the first and links to the others, whether they have ended or not (a reader's
// deliveries end before their batch is applied); a span never recorded does not.
func TestStartLinkedEndedSpans(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	tracer := tp.Tracer("test")
	_, a := tracer.Start(context.Background(), "a")
	_, b := tracer.Start(context.Background(), "b")
	_, c := tracer.Start(context.Background(), "c")
	a.End()
	b.End()
	spans := []trace.Span{tracing.NoSpan, a, b, c}
	_, batch := tracing.StartLinked(context.Background(), "batch", len(spans), func(i int) trace.Span { return spans[i] })
	batch.End()
	c.End()
	var got sdktrace.ReadOnlySpan
	for _, s := range rec.Ended() {
		if s.Name() == "batch" {
			got = s
		}
	}
	if got == nil {
		t.Fatal("no batch span")
	}
	if got.Parent().SpanID() != a.SpanContext().SpanID() || len(got.Links()) != 2 ||
		got.Links()[0].SpanContext.SpanID() != b.SpanContext().SpanID() || got.Links()[1].SpanContext.SpanID() != c.SpanContext().SpanID() {
		t.Errorf("batch: parent %v, links %v; want a's child linked to b and c", got.Parent(), got.Links())
	}
}
