package consumer_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"testing"

	"github.com/nordledger/ledger/eventstore/consumer"
	"github.com/nordledger/ledger/internal/tracing"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// The trace contexts of the requests that wrote the events of TestConsumer*TraceContext.
const (
	tracedAnna   = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	tracedBertil = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
)

// headerLog is the ledger's disclosure route behind a real HTTP server that records the headers
// of every request it receives.
type headerLog struct {
	mu  sync.Mutex
	got []http.Header
	url string
}

func recordHeaders(t *testing.T, l *ledger) *headerLog {
	t.Helper()
	target, err := url.Parse(l.url)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	hl := &headerLog{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hl.mu.Lock()
		hl.got = append(hl.got, r.Header.Clone())
		hl.mu.Unlock()
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	hl.url = srv.URL
	return hl
}

// recordingOpener grants the consumer "crm" personal data on ledger 1000 and returns an Opener
// asking l's writer through recordHeaders, with what it records.
func recordingOpener(t *testing.T, l *ledger) (*headerLog, *consumer.Opener) {
	t.Helper()
	l.grant.Grant("1000", "crm", "", "", l.now)
	hl := recordHeaders(t, l)
	o, err := consumer.NewOpener(consumer.OpenerConfig{URL: hl.url, Token: consumer.StaticToken("crm")})
	if err != nil {
		t.Fatal(err)
	}
	return hl, o
}

func (hl *headerLog) headers() []http.Header {
	hl.mu.Lock()
	defer hl.mu.Unlock()
	return append([]http.Header(nil), hl.got...)
}

// TestConsumerPersonalDataRequestsCarryTraceContext: the Consumer's requests for personal data
// carry W3C traceparent and tracestate — the span of the batch's opening (SpanOpen, a client
// span, the child of its first event's trace context, linked to the other events'), so the
// writer continues the trace of the request that wrote the events.
func TestConsumerPersonalDataRequestsCarryTraceContext(t *testing.T) {
	l := newLedger(t)
	l.addTraced(t, "1001", tracedAnna, "ledger=1001", customer("1001", "Anna Andersson")...) // positions 1 and 2
	l.addTraced(t, "1002", tracedBertil, "ledger=1002", customer("1002", "Bertil Berg")...)  // 3 and 4
	hl, o := recordingOpener(t, l)
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	r := &recorder{stopAt: 4}
	if err := run(t, consumer.Config{JetStream: l.js, LedgerNo: "1000", Durable: "crm", Opener: o, TracerProvider: tp}, r); err != nil && !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	for _, e := range r.events {
		if e.Personal != consumer.PersonalOpened {
			t.Fatalf("event %d: %s", e.Position, e.Personal)
		}
	}

	opens := map[trace.SpanID]sdktrace.ReadOnlySpan{}
	for _, sp := range rec.Ended() {
		if sp.Name() == consumer.SpanOpen {
			opens[sp.SpanContext().SpanID()] = sp
		}
	}
	events := map[trace.SpanID]trace.TraceID{}
	for _, tp := range []string{tracedAnna, tracedBertil} {
		sc := tracing.Parse(tp, "")
		events[sc.SpanID()] = sc.TraceID()
	}
	got := hl.headers()
	if len(got) == 0 || len(opens) == 0 {
		t.Fatalf("%d requests, %d %s spans", len(got), len(opens), consumer.SpanOpen)
	}
	for i, h := range got {
		sc := tracing.Parse(h.Get("traceparent"), h.Get("tracestate"))
		open, ok := opens[sc.SpanID()]
		if !sc.IsValid() || !ok {
			t.Errorf("request %d: traceparent %q; want a %s span as the parent", i+1, h.Get("traceparent"), consumer.SpanOpen)
			continue
		}
		parent := open.Parent()
		if sc.TraceID() != open.SpanContext().TraceID() || events[parent.SpanID()] != sc.TraceID() || open.SpanKind() != trace.SpanKindClient ||
			!sc.IsSampled() || h.Get("tracestate") != parent.TraceState().String() || h.Get("tracestate") == "" {
			t.Errorf("request %d: traceparent %q tracestate %q; its %s span %v (kind %v) is the child of %v; want the child of an event's trace context, with its tracestate",
				i+1, h.Get("traceparent"), h.Get("tracestate"), consumer.SpanOpen, open.SpanContext(), open.SpanKind(), parent)
		}
		for _, link := range open.Links() {
			if events[link.SpanContext.SpanID()] != link.SpanContext.TraceID() || link.SpanContext.SpanID() == parent.SpanID() {
				t.Errorf("request %d: %s links to %v, not another event's trace context", i+1, consumer.SpanOpen, link.SpanContext)
			}
		}
	}
	if started, ended := len(rec.Started()), len(rec.Ended()); started != ended {
		t.Errorf("%d spans started, %d ended", started, ended)
	}
}

// TestConsumerPersonalDataRequestsCarryTraceContextUntraced: with no tracer provider that
// records, the Consumer's requests still carry the trace of the events' request (a span id of
// their own), so a writer that traces continues it.
func TestConsumerPersonalDataRequestsCarryTraceContextUntraced(t *testing.T) {
	l := newLedger(t)
	l.addTraced(t, "1001", tracedAnna, "ledger=1001", customer("1001", "Anna Andersson")...)
	hl, o := recordingOpener(t, l)
	r := &recorder{stopAt: 2}
	if err := run(t, consumer.Config{JetStream: l.js, LedgerNo: "1000", Durable: "crm", Opener: o, TracerProvider: noop.NewTracerProvider()}, r); err != nil && !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	event := tracing.Parse(tracedAnna, "")
	got := hl.headers()
	if len(got) == 0 {
		t.Fatal("no request")
	}
	for i, h := range got {
		sc := tracing.Parse(h.Get("traceparent"), h.Get("tracestate"))
		if !sc.IsValid() || sc.TraceID() != event.TraceID() || sc.SpanID() == event.SpanID() || h.Get("tracestate") != "ledger=1001" {
			t.Errorf("request %d: traceparent %q tracestate %q; want the trace %v with a span id of its own", i+1, h.Get("traceparent"), h.Get("tracestate"), event.TraceID())
		}
	}
}

// TestOpenerCarriesTraceContext: Open asked in a span's ctx (a Handler's, in consumer.handle)
// sends that span as the request's traceparent; asked without one, no traceparent.
func TestOpenerCarriesTraceContext(t *testing.T) {
	l := newLedger(t)
	l.addTraced(t, "1001", tracedAnna, "ledger=1001", customer("1001", "Anna Andersson")...)
	hl, o := recordingOpener(t, l)
	tp := sdktrace.NewTracerProvider()
	ctx, span := tp.Tracer("test").Start(tracing.Extract(context.Background(), tracedAnna, "ledger=1001"), "handle")
	defer span.End()
	if err := o.Open(ctx, l.logged(t, 1)[:1]...); err != nil {
		t.Fatal(err)
	}
	if err := o.Open(context.Background(), l.logged(t, 2)...); err != nil {
		t.Fatal(err)
	}
	got := hl.headers()
	if len(got) != 2 {
		t.Fatalf("%d requests, want 2", len(got))
	}
	if sc := tracing.Parse(got[0].Get("traceparent"), ""); sc.TraceID() != span.SpanContext().TraceID() || sc.SpanID() != span.SpanContext().SpanID() ||
		got[0].Get("tracestate") != "ledger=1001" {
		t.Errorf("in a span: traceparent %q tracestate %q; want the span %v", got[0].Get("traceparent"), got[0].Get("tracestate"), span.SpanContext())
	}
	if tp := got[1].Get("traceparent"); tp != "" {
		t.Errorf("without a span: traceparent %q", tp)
	}
}
