package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"testing"

	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/eventstore/consumer"
	"github.com/nordledger/ledger/eventstore/feed"
	"github.com/nordledger/ledger/eventstore/relay"
	"github.com/nordledger/ledger/internal/app"
	"github.com/nordledger/ledger/internal/tracing"
	"github.com/nordledger/ledger/projections"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// TestE2ETracingFollowsACreate: one create, sent with the caller's traceparent, is one trace
// from the HTTP request to a reader replica's read models and a downstream consumer: the
// writer's request span (answered in traceresponse, stored with the event) has the command as
// its child, the command its decide, seal and append; the append joined a group commit that is
// its child and that it links to, with the group's prepare, commit (and fsync) and apply, the
// read models' apply under it; the relay's publish, the reader's delivery (with the reader's
// apply under it) and the consumer's handling are children of the request's span, carried by
// the event. No span names a personal value the request sent.
func TestE2ETracingFollowsACreate(t *testing.T) {
	ns := startExternalNATS(t, t.TempDir(), -1)
	writer := startServer(t, withArgs("-nats-url", ns.ClientURL()), keepSpans())

	// A reader replica and a downstream consumer, each recording its own spans.
	m, readerSpans := startTracedReader(t, writer, ns.ClientURL())
	defer m.Close()
	waitReady(t, writer.client, "http://"+m.Addr())

	consumerSpans := newSpanSink(true)
	js, closeJS := jetStreamAt(t, ns.ClientURL())
	defer closeJS()
	c, err := consumer.New(consumer.Config{JetStream: js, LedgerNo: demoLedger, Durable: "tracing", TracerProvider: consumerSpans.provider(t),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- c.Run(ctx, func(ctx context.Context, e *consumer.Event) error {
			if !trace.SpanFromContext(ctx).IsRecording() {
				t.Errorf("the handler's ctx holds no recording span")
			}
			return nil
		})
	}()
	defer func() { cancel(); <-done }()

	const caller = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	r := writer.createCustomer(t, writer.token, newCustomer("4300", "Traced Person"), "traceparent", caller, "tracestate", "vendor=abc")
	expectStatus(t, r, http.StatusCreated)
	callerSC := tracing.Parse(caller, "")
	id := callerSC.TraceID()

	// The writer: the request, its command and the commit pipeline.
	pipeline := []string{"POST /ledger/customer/v1/{ledgerNo}/customers", "command createCustomer", app.SpanDecide, app.SpanSeal,
		eventstore.SpanAppend, eventstore.SpanGroup, eventstore.SpanPrepare, eventstore.SpanCommit, eventstore.SpanFsync,
		eventstore.SpanApply, projections.SpanApply, relay.SpanPublish}
	spans := inTrace(writer.spans.await(t, "the writer's spans", func(s []sdktrace.ReadOnlySpan) bool { return hasNamed(inTrace(s, id), pipeline...) }), id)
	one := func(name string) sdktrace.ReadOnlySpan {
		t.Helper()
		s := named(spans, name)
		if len(s) != 1 {
			t.Fatalf("%d spans %q in the trace, want 1", len(s), name)
		}
		return s[0]
	}
	req, cmd := one(pipeline[0]), one(pipeline[1])
	decide, seal, appendSpan := one(app.SpanDecide), one(app.SpanSeal), one(eventstore.SpanAppend)
	group, prepare, commit, fsync := one(eventstore.SpanGroup), one(eventstore.SpanPrepare), one(eventstore.SpanCommit), one(eventstore.SpanFsync)
	apply, readModels, publish := one(eventstore.SpanApply), one(projections.SpanApply), one(relay.SpanPublish)

	if !childOf(req, callerSC) || req.SpanKind() != trace.SpanKindServer {
		t.Errorf("the request's span is not the caller's child: parent %v", req.Parent())
	}
	if got, _ := tracing.Format(trace.ContextWithSpanContext(context.Background(), req.SpanContext())); r.Header.Get("traceresponse") != got {
		t.Errorf("traceresponse %q, want the request's span %s", r.Header.Get("traceresponse"), got)
	}
	if attr(req, "http.route") != "/ledger/customer/v1/{ledgerNo}/customers" || attr(req, "http.response.status_code") != "201" ||
		attr(req, "ledger.command") != "createCustomer" {
		t.Errorf("the request's attributes: %v", req.Attributes())
	}
	for _, c := range []struct {
		child  sdktrace.ReadOnlySpan
		parent sdktrace.ReadOnlySpan
	}{
		{cmd, req}, {decide, cmd}, {seal, cmd}, {appendSpan, cmd},
		{prepare, group}, {commit, group}, {fsync, commit}, {readModels, apply},
	} {
		if !childOf(c.child, c.parent.SpanContext()) {
			t.Errorf("%s is not a child of %s", c.child.Name(), c.parent.Name())
		}
	}
	// The group commit: a child of its first append (this one: the group held no other), which
	// links to it; its apply is the group's child.
	if !childOf(group, appendSpan.SpanContext()) || !linksTo(appendSpan, group.SpanContext()) {
		t.Errorf("group commit: parent %v, the append's links %v", group.Parent(), appendSpan.Links())
	}
	if !childOf(apply, group.SpanContext()) && !linksTo(apply, group.SpanContext()) {
		t.Errorf("the apply neither a child of the group nor linked to it")
	}
	if attr(group, "eventstore.group.appends") != "1" || attr(group, "eventstore.group.events") != "1" || attr(group, "eventstore.group.fsync_seconds") == "" {
		t.Errorf("the group's attributes: %v", group.Attributes())
	}
	position := attr(appendSpan, "eventstore.position")
	// The event carries the request's span downstream: the relay's publish is its child.
	if !childOf(publish, req.SpanContext()) || publish.SpanKind() != trace.SpanKindProducer || attr(publish, "ledger.event.position") != position {
		t.Errorf("publish: parent %v, kind %v, attributes %v (position %s)", publish.Parent(), publish.SpanKind(), publish.Attributes(), position)
	}
	if pos, err := strconv.ParseUint(position, 10, 64); err != nil || pos == 0 {
		t.Fatalf("the append's position %q", position)
	}

	// The reader: the JetStream delivery, a child of the request's span, and the apply under it.
	rspans := inTrace(readerSpans.await(t, "the reader's spans", func(s []sdktrace.ReadOnlySpan) bool {
		return hasNamed(inTrace(s, id), feed.SpanDeliver, projections.SpanApply)
	}), id)
	deliver, rapply := named(rspans, feed.SpanDeliver)[0], named(rspans, projections.SpanApply)[0]
	if !childOf(deliver, req.SpanContext()) || deliver.SpanKind() != trace.SpanKindConsumer || attr(deliver, "ledger.event.position") != position {
		t.Errorf("the reader's delivery: parent %v, kind %v, attributes %v", deliver.Parent(), deliver.SpanKind(), deliver.Attributes())
	}
	if !childOf(rapply, deliver.SpanContext()) && !linksTo(rapply, deliver.SpanContext()) {
		t.Errorf("the reader's apply is neither the delivery's child nor linked to it")
	}

	// The consumer's handling, a child of the request's span.
	cspans := inTrace(consumerSpans.await(t, "the consumer's span", func(s []sdktrace.ReadOnlySpan) bool {
		return hasNamed(inTrace(s, id), consumer.SpanHandle)
	}), id)
	if h := named(cspans, consumer.SpanHandle)[0]; !childOf(h, req.SpanContext()) || attr(h, "ledger.event.type") != "CustomerCreated" {
		t.Errorf("the consumer's handling: parent %v, attributes %v", h.Parent(), h.Attributes())
	}

	// No personal value in any span of the three (the writer's are checked by startServer too).
	for who, text := range map[string]string{"reader": readerSpans.Text(), "consumer": consumerSpans.Text(), "writer": writer.spans.Text()} {
		if leaks := append(personalDataIn(text), writer.sent.foundIn(text)...); len(leaks) > 0 {
			t.Errorf("the %s's spans hold personal data %q:\n%s", who, leaks, text)
		}
	}
}
