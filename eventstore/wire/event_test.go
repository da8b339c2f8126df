package wire_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/nordledger/ledger/eventstore/wire"
)

func TestEventFromMessageInvertsNewMessage(t *testing.T) {
	e := storedEvent("1000/customers/Ö1", "CustomerCreated") // ce-subject is percent-encoded
	e.CausationID = "cause %1"
	msg, err := wire.NewMessage(e)
	if err != nil {
		t.Fatal(err)
	}
	msg.Metadata.Set(wire.HeaderActor, "%C3%96sten") // "Östen", as the binding encodes it
	e.Actor = "Östen"
	got, err := wire.EventFromMessage(msg)
	if err != nil {
		t.Fatalf("EventFromMessage: %v", err)
	}
	if !got.Time.Equal(e.Time) {
		t.Errorf("time %v, want %v", got.Time, e.Time)
	}
	got.Time = e.Time
	if !reflect.DeepEqual(got, e) {
		t.Errorf("got  %+v\nwant %+v", got, e)
	}
}

func TestEventFromMessageRejectsForeignMessages(t *testing.T) {
	e := storedEvent("1000/customers/9", "CustomerCreated")
	for key, value := range map[string]string{
		wire.HeaderID:             "not-a-uuid",
		wire.HeaderSource:         "/elsewhere/1000",
		wire.HeaderType:           "com.example.Thing",
		wire.HeaderTime:           "yesterday",
		wire.HeaderLedgerPosition: "-1",
		wire.HeaderSpecVersion:    "0.3",
		wire.HeaderActor:          "%zz",
		wire.HeaderSubject:        "",
	} {
		msg, err := wire.NewMessage(e)
		if err != nil {
			t.Fatal(err)
		}
		msg.Metadata.Set(key, value)
		if _, err := wire.EventFromMessage(msg); err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("%s=%q: error %v, want one naming the attribute", key, value, err)
		}
	}
}

// TestTraceContextTravels: an event's W3C trace context is published as traceparent/tracestate
// (as is, for OpenTelemetry propagators) and as the CloudEvents distributed-tracing extension,
// and a reader's feed takes it back into the event; an event without one has none of the headers.
func TestTraceContextTravels(t *testing.T) {
	e := storedEvent("1000/customers/9", "CustomerCreated")
	e.TraceParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	e.TraceState = "rojo=00f067aa0ba902b7, congo=t61rcWkgMzE"
	msg, err := wire.NewMessage(e)
	if err != nil {
		t.Fatal(err)
	}
	md := msg.Metadata
	if md.Get(wire.HeaderTraceParent) != e.TraceParent || md.Get(wire.HeaderTraceState) != e.TraceState {
		t.Errorf("traceparent %q tracestate %q", md.Get(wire.HeaderTraceParent), md.Get(wire.HeaderTraceState))
	}
	if md.Get(wire.HeaderCETraceParent) != e.TraceParent || md.Get(wire.HeaderCETraceState) != "rojo=00f067aa0ba902b7,%20congo=t61rcWkgMzE" {
		t.Errorf("ce-traceparent %q ce-tracestate %q", md.Get(wire.HeaderCETraceParent), md.Get(wire.HeaderCETraceState))
	}
	got, err := wire.EventFromMessage(msg)
	if err != nil {
		t.Fatal(err)
	}
	if got.TraceParent != e.TraceParent || got.TraceState != e.TraceState {
		t.Errorf("EventFromMessage: %q %q", got.TraceParent, got.TraceState)
	}
	plain, err := wire.NewMessage(storedEvent("1000/customers/9", "CustomerCreated"))
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{wire.HeaderTraceParent, wire.HeaderTraceState, wire.HeaderCETraceParent, wire.HeaderCETraceState} {
		if _, ok := plain.Metadata[h]; ok {
			t.Errorf("an event without trace context has %s", h)
		}
	}
}
