package main

// Spans in tests: every end-to-end test that runs the service through startServer records its
// spans in memory (an SDK tracer provider sampling everything, spanSink) and, like the logs, the
// test's cleanup searches the text of every span — names, attributes, events, links, statuses —
// for the personal values the test sent (e2e_personal_test.go) and for the fixed ones.

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// spanSink is a span processor that keeps the text of every ended span and, when keep is set,
// the spans themselves; await waits for spans to arrive. It also knows the spans started and not
// yet ended (unended): once the service has stopped, every span it started must have ended.
type spanSink struct {
	keep bool

	mu      sync.Mutex
	spans   []sdktrace.ReadOnlySpan
	text    strings.Builder
	wake    chan struct{}                           // closed and replaced when a span ends
	started map[trace.SpanID]sdktrace.ReadWriteSpan // started, not yet ended
}

func newSpanSink(keep bool) *spanSink {
	return &spanSink{keep: keep, wake: make(chan struct{}), started: map[trace.SpanID]sdktrace.ReadWriteSpan{}}
}

// provider returns an SDK tracer provider that samples every span and ends them in the sink.
func (s *spanSink) provider(t testing.TB) *sdktrace.TracerProvider {
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()), sdktrace.WithSpanProcessor(s))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	return tp
}

func (s *spanSink) Shutdown(context.Context) error   { return nil }
func (s *spanSink) ForceFlush(context.Context) error { return nil }

func (s *spanSink) OnStart(_ context.Context, sp sdktrace.ReadWriteSpan) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.started[sp.SpanContext().SpanID()] = sp
}

// unended returns the names of the spans started and not ended.
func (s *spanSink) unended() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, sp := range s.started {
		out = append(out, sp.Name())
	}
	slices.Sort(out)
	return out
}

func (s *spanSink) OnEnd(sp sdktrace.ReadOnlySpan) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.started, sp.SpanContext().SpanID())
	writeSpanText(&s.text, sp)
	if s.keep {
		s.spans = append(s.spans, sp)
	}
	close(s.wake)
	s.wake = make(chan struct{})
}

// Text returns the text of every span ended so far, a line each.
func (s *spanSink) Text() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.text.String()
}

// writeSpanText writes everything a span holds that a person could read: its name, status,
// attributes, events and links (the attributes of each).
func writeSpanText(b *strings.Builder, sp sdktrace.ReadOnlySpan) {
	fmt.Fprintf(b, "%s status=%q", sp.Name(), sp.Status().Description)
	for _, a := range sp.Attributes() {
		fmt.Fprintf(b, " %s=%q", a.Key, a.Value.Emit())
	}
	for _, e := range sp.Events() {
		fmt.Fprintf(b, " event=%q", e.Name)
		for _, a := range e.Attributes {
			fmt.Fprintf(b, " %s=%q", a.Key, a.Value.Emit())
		}
	}
	for _, l := range sp.Links() {
		for _, a := range l.Attributes {
			fmt.Fprintf(b, " link.%s=%q", a.Key, a.Value.Emit())
		}
	}
	b.WriteByte('\n')
}

// await returns the spans kept once found says they are complete; the test fails if they are not
// by near its deadline (waitContext: a guard against a hang, not a timing assumption: spans end
// as the work does).
func (s *spanSink) await(t testing.TB, what string, found func([]sdktrace.ReadOnlySpan) bool) []sdktrace.ReadOnlySpan {
	t.Helper()
	wait, cancel := waitContext(t)
	defer cancel()
	for {
		s.mu.Lock()
		spans, wake := slices.Clone(s.spans), s.wake
		s.mu.Unlock()
		if found(spans) {
			return spans
		}
		select {
		case <-wake:
		case <-wait.Done():
			t.Fatalf("%s: not recorded by the test's deadline; spans:\n%s", what, s.Text())
			return nil
		}
	}
}

// inTrace returns the spans of trace id.
func inTrace(spans []sdktrace.ReadOnlySpan, id trace.TraceID) []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for _, sp := range spans {
		if sp.SpanContext().TraceID() == id {
			out = append(out, sp)
		}
	}
	return out
}

// named returns the spans called name.
func named(spans []sdktrace.ReadOnlySpan, name string) []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for _, sp := range spans {
		if sp.Name() == name {
			out = append(out, sp)
		}
	}
	return out
}

// hasNamed reports whether every name has a span.
func hasNamed(spans []sdktrace.ReadOnlySpan, names ...string) bool {
	for _, n := range names {
		if len(named(spans, n)) == 0 {
			return false
		}
	}
	return true
}

// attr returns a span's attribute as text ("" when absent).
func attr(sp sdktrace.ReadOnlySpan, key string) string {
	for _, a := range sp.Attributes() {
		if string(a.Key) == key {
			return a.Value.Emit()
		}
	}
	return ""
}

// childOf reports whether child's parent is parent.
func childOf(child sdktrace.ReadOnlySpan, parent trace.SpanContext) bool {
	return child.Parent().SpanID() == parent.SpanID() && child.Parent().TraceID() == parent.TraceID()
}

// linksTo reports whether sp links to sc.
func linksTo(sp sdktrace.ReadOnlySpan, sc trace.SpanContext) bool {
	for _, l := range sp.Links() {
		if l.SpanContext.SpanID() == sc.SpanID() && l.SpanContext.TraceID() == sc.TraceID() {
			return true
		}
	}
	return false
}

// startTracedReader runs a reader replica of writer on the NATS server at natsURL, in-process,
// recording its spans in a sink of its own. The caller closes it.
func startTracedReader(t *testing.T, writer *testServer, natsURL string) (*Main, *spanSink) {
	t.Helper()
	spans := newSpanSink(true)
	m := NewMain()
	if err := m.ParseFlags([]string{"-role", "reader", "-http-addr", "127.0.0.1:0", "-data-dir", t.TempDir(), "-nats-url", natsURL,
		"-key-file", filepath.Join(writer.dir, "reservation.key"), "-master-key-file", filepath.Join(writer.dir, "master.key"),
		"-jwt-secret", string(writer.secret(t))}, func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
	m.Stdout, m.LogOutput, m.TracerProvider = io.Discard, io.Discard, spans.provider(t)
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	return m, spans
}
