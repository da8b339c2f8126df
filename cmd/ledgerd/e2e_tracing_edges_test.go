package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/nordledger/ledger/eventstore/feed"
	"github.com/nordledger/ledger/eventstore/relay"
	"github.com/nordledger/ledger/internal/tracing"
	"github.com/nordledger/ledger/projections"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// TestE2ETracingHostileHeaders: whatever a caller sends as trace context — a forbidden version,
// zero ids, upper-case hex, a traceparent of 8 KB, two traceparent headers, a tracestate of 33
// members or of 16 KB, non-ASCII bytes, baggage — the create is answered 201, never a 4xx, 5xx or
// panic; a valid traceparent is continued and anything else starts a new trace; the trace
// context stored with the event and published on NATS is a valid traceparent with a tracestate
// of at most tracing.MaxTraceState bytes; and no part of what the caller sent that was not
// continued (a marker in each value) reaches the log, a span or the event. With and without a
// tracer provider that records; every span the service started has ended when it stops
// (startServer's cleanup).
func TestE2ETracingHostileHeaders(t *testing.T) {
	t.Run("without tracing", func(t *testing.T) { testTracingHostileHeaders(t, startServer(t, withoutTracing())) })
	t.Run("tracing", func(t *testing.T) { testTracingHostileHeaders(t, startServer(t)) })
}

func testTracingHostileHeaders(t *testing.T, s *testServer) {
	msgs := subscribeEvents(t, s)
	const (
		traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
		valid   = "00-" + traceID + "-00f067aa0ba902b7-01"
		marker  = "HOSTILEMARKER"
	)
	// A valid tracestate of 8 members of 513 bytes each and 24 of 60 (4.6 KB, within the header
	// limit): the long ones go first, then members from the end until it fits (W3C Trace
	// Context's truncation); and one of 33 members (invalid: at most 32).
	var big, short, many []string
	for i := range 32 {
		if i < 8 {
			big = append(big, fmt.Sprintf("%s%02d=%s", strings.Repeat("k", 250), i, strings.Repeat("v", 256)))
			continue
		}
		m := fmt.Sprintf("s%02d=%s", i, strings.Repeat("w", 56))
		big, short = append(big, m), append(short, m)
	}
	fits := 0
	for len(strings.Join(short[:fits+1], ",")) <= tracing.MaxTraceState {
		fits++
	}
	bounded := strings.Join(short[:fits], ",")
	for i := range 33 {
		many = append(many, fmt.Sprintf("m%02d=%s", i, strings.ToLower(marker)))
	}
	for i, c := range []struct {
		name      string
		headers   []string
		continued bool   // the caller's trace is continued
		state     string // the tracestate stored
	}{
		{"version ff", []string{"traceparent", "ff-" + traceID + "-00f067aa0ba902b7-01"}, false, ""},
		{"zero trace id", []string{"traceparent", "00-00000000000000000000000000000000-00f067aa0ba902b7-01"}, false, ""},
		{"zero span id", []string{"traceparent", "00-" + traceID + "-0000000000000000-01"}, false, ""},
		{"upper case", []string{"traceparent", "00-" + strings.ToUpper(traceID) + "-00F067AA0BA902B7-01"}, false, ""},
		{"version 00 with more", []string{"traceparent", valid + "-" + marker}, false, ""},
		{"future version", []string{"traceparent", "01-" + traceID + "-00f067aa0ba902b7-01-what-comes-next"}, true, ""},
		{"8 KB traceparent", []string{"traceparent", valid + strings.Repeat(marker, 8<<10/len(marker))}, false, ""},
		{"non-ASCII", []string{"traceparent", "00-" + traceID + "-00f067aa0ba902b7-\xff\xfe" + marker}, false, ""},
		{"two traceparents", []string{"traceparent", valid, "traceparent", valid}, false, ""},
		{"33 tracestate members", []string{"traceparent", valid, "tracestate", strings.Join(many, ",")}, true, ""},
		{"4.6 KB tracestate", []string{"traceparent", valid, "tracestate", strings.Join(big, ",")}, true, bounded},
		{"tracestate in two headers", []string{"traceparent", valid, "tracestate", "a=1", "tracestate", "b=2"}, true, "a=1,b=2"},
		{"invalid tracestate", []string{"traceparent", valid, "tracestate", "not a member " + marker}, true, ""},
		{"tracestate without traceparent", []string{"tracestate", "vendor=" + strings.ToLower(marker)}, false, ""},
		{"baggage", []string{"traceparent", valid, "baggage", "user=" + marker + ",ssn=19121212-1212"}, true, ""},
		{"unsampled", []string{"traceparent", "00-" + traceID + "-00f067aa0ba902b7-00"}, true, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			no := fmt.Sprint(4500 + i)
			body := newCustomer(no, "Hostile Trace")
			data, _ := json.Marshal(body)
			req, err := http.NewRequest(http.MethodPost, s.base+customersPath(demoLedger), bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+s.token)
			for i := 0; i < len(c.headers); i += 2 {
				req.Header.Add(c.headers[i], c.headers[i+1]) // two of a name are two header lines
			}
			s.sent.note(body)
			r := s.send(t, req)
			expectStatus(t, r, http.StatusCreated)
			span := r.Header.Get("traceresponse")
			sc := tracing.Parse(span, "")
			if !sc.IsValid() {
				t.Fatalf("traceresponse %q is not a traceparent", span)
			}
			if continued := sc.TraceID().String() == traceID; continued != c.continued {
				t.Errorf("traceresponse %s: continued %v, want %v", span, continued, c.continued)
			}

			ev := s.do(t, http.MethodGet, customersPath(demoLedger, no, "events"), s.token, nil)
			expectStatus(t, ev, http.StatusOK)
			items, _ := ev.object(t)["items"].([]any)
			if len(items) != 1 {
				t.Fatalf("events: %s", ev)
			}
			item := items[0].(map[string]any)
			state, _ := item["tracestate"].(string)
			if item["traceparent"] != span || state != c.state || len(state) > tracing.MaxTraceState {
				t.Errorf("event traceparent %v, tracestate (%d bytes) %.80q…, want %s and %q", item["traceparent"], len(state), state, span, c.state)
			}
			wait, cancel := waitContext(t)
			defer cancel()
			select {
			case m := <-msgs:
				if m.Header.Get("traceparent") != span || m.Header.Get("tracestate") != state || len(m.Header.Values("traceparent")) != 1 {
					t.Errorf("NATS traceparent %q tracestate (%d bytes), want %s and the event's", m.Header.Values("traceparent"), len(m.Header.Get("tracestate")), span)
				}
			case <-wait.Done():
				t.Fatal("the event was not published by the test's deadline")
			}
		})
	}
	s.stop(t)
	for what, text := range map[string]string{"log": s.logs.String(), "spans": spansText(s)} {
		if strings.Contains(strings.ToLower(text), strings.ToLower(marker)) || strings.Contains(text, "19121212") {
			t.Errorf("the %s holds what the caller sent:\n%s", what, text)
		}
	}
}

// spansText is the text of the spans s recorded ("" without tracing).
func spansText(s *testServer) string {
	if s.spans == nil {
		return ""
	}
	return s.spans.Text()
}

// TestE2ETracingOutboxAfterRestart: an event stored while NATS was down and published only by
// the next run of the writer (the relay's outbox: the log) still carries the trace context of the
// request that caused it: its message's traceparent is that request's span (traceresponse), and
// the relay's publish span, recorded by the second run, is that span's child.
func TestE2ETracingOutboxAfterRestart(t *testing.T) {
	natsDir := t.TempDir()
	ns := startExternalNATS(t, natsDir, -1)
	port := ns.Addr().(*net.TCPAddr).Port
	s := startServer(t, withArgs("-nats-url", ns.ClientURL()), keepSpans())
	ns.Shutdown()
	ns.WaitForShutdown()

	const caller = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	r := s.createCustomer(t, s.token, newCustomer("4600", "Outbox Trace"), "traceparent", caller, "tracestate", "vendor=abc")
	span := r.Header.Get("traceresponse")
	request := tracing.Parse(span, "")
	if request.TraceID() != tracing.Parse(caller, "").TraceID() {
		t.Fatalf("traceresponse %q does not continue the caller's trace", span)
	}
	s.stop(t)
	ns = startExternalNATS(t, natsDir, port)
	s.start(t)

	checkStream(t, ns.ClientURL(), 1)
	js, closeJS := jetStreamAt(t, ns.ClientURL())
	defer closeJS()
	ctx := context.Background()
	stream, err := js.Stream(ctx, relay.DefaultStreamName)
	if err != nil {
		t.Fatal(err)
	}
	m, err := stream.GetMsg(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if m.Header.Get("traceparent") != span || m.Header.Get("ce-traceparent") != span || m.Header.Get("tracestate") != "vendor=abc" {
		t.Errorf("the message published after the restart: traceparent %q, ce-traceparent %q, tracestate %q; want %s and vendor=abc",
			m.Header.Get("traceparent"), m.Header.Get("ce-traceparent"), m.Header.Get("tracestate"), span)
	}
	spans := s.spans.await(t, "the relay's publish", func(spans []sdktrace.ReadOnlySpan) bool {
		for _, sp := range named(inTrace(spans, request.TraceID()), relay.SpanPublish) {
			if sp.Status().Code != codes.Error {
				return true
			}
		}
		return false
	})
	for _, sp := range named(inTrace(spans, request.TraceID()), relay.SpanPublish) {
		if sp.Status().Code != codes.Error && !childOf(sp, request) {
			t.Errorf("the publish after the restart: parent %v, want the request's span %s", sp.Parent(), span)
		}
	}
}

// TestE2ETracingReaderBatch: a reader replica that finds several events waiting applies them to
// its read models in one batch; that batch's projections.apply is the child of one event's
// delivery and linked to every other's, so each event's trace shows where it was applied — also
// the deliveries that ended (acknowledged) before the batch was applied.
func TestE2ETracingReaderBatch(t *testing.T) {
	ns := startExternalNATS(t, t.TempDir(), -1)
	writer := startServer(t, withArgs("-nats-url", ns.ClientURL()))
	const n = 6
	traces := map[trace.TraceID]bool{}
	for i := range n {
		tp := fmt.Sprintf("00-%032x-00f067aa0ba902b7-01", 0x4700+i)
		writer.createCustomer(t, writer.token, newCustomer(fmt.Sprint(4700+i), "Batched Trace"), "traceparent", tp)
		traces[tracing.Parse(tp, "").TraceID()] = true
	}
	checkStream(t, ns.ClientURL(), n)

	// The reader starts with the n events waiting on the stream.
	m, readerSpans := startTracedReader(t, writer, ns.ClientURL())
	closed := false
	defer func() {
		if !closed {
			m.Close()
		}
	}()
	applied := func(spans []sdktrace.ReadOnlySpan, deliver sdktrace.ReadOnlySpan) bool {
		for _, a := range named(spans, projections.SpanApply) {
			if childOf(a, deliver.SpanContext()) || linksTo(a, deliver.SpanContext()) {
				return true
			}
		}
		return false
	}
	spans := readerSpans.await(t, "the reader's deliveries and applies", func(spans []sdktrace.ReadOnlySpan) bool {
		delivered := 0
		for _, d := range named(spans, feed.SpanDeliver) {
			if traces[d.SpanContext().TraceID()] {
				delivered++
			}
		}
		if delivered < n {
			return false
		}
		// All of them applied: an apply up to the last one's position ended.
		for _, a := range named(spans, projections.SpanApply) {
			if attr(a, string(projections.AttrUpTo)) == fmt.Sprint(n) {
				return true
			}
		}
		return false
	})
	for _, d := range named(spans, feed.SpanDeliver) {
		if traces[d.SpanContext().TraceID()] && !applied(spans, d) {
			t.Errorf("the delivery of the event at %s (trace %s): no projections.apply is its child or links to it", attr(d, "ledger.event.position"), d.SpanContext().TraceID())
		}
	}
	// Every span the reader started has ended once it stopped.
	closed = true
	if err := m.Close(); err != nil {
		t.Error(err)
	}
	if unended := readerSpans.unended(); len(unended) > 0 {
		t.Errorf("spans the reader started and never ended: %q", unended)
	}
}
