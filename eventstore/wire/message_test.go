package wire_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/eventstore/wire"
)

func storedEvent(stream, typ string) eventstore.Event {
	return eventstore.Event{
		ID: uuid.Must(uuid.NewV7()), Stream: stream, Version: 3, Position: 42, Type: typ, SchemaVersion: 2,
		Time: time.Date(2026, 1, 2, 3, 4, 5, 600, time.UTC), Actor: "sub-1", CorrelationID: "c", Data: []byte(`{"a":1}`),
	}
}

func TestNewMessage(t *testing.T) {
	e := storedEvent("1000/customers/123", "CustomerCreated")
	msg, err := wire.NewMessage(e)
	if err != nil {
		t.Fatalf("NewMessage: %v", err)
	}
	if msg.UUID != e.ID.String() || string(msg.Payload) != `{"a":1}` {
		t.Fatalf("UUID %q payload %q", msg.UUID, msg.Payload)
	}
	want := map[string]string{
		wire.MetadataSubject:       "ledger.customer.v1.1000.123.CustomerCreated",
		wire.HeaderSpecVersion:     "1.0",
		wire.HeaderID:              e.ID.String(),
		wire.HeaderSource:          "/ledger/customer/v1/1000",
		wire.HeaderType:            "ledger.customer.v1.CustomerCreated",
		wire.HeaderSubject:         "customers/123",
		wire.HeaderTime:            "2026-01-02T03:04:05.0000006Z",
		wire.HeaderDataContentType: "application/json",
		wire.HeaderContentType:     "application/json",
		wire.HeaderLedgerPosition:  "42",
		wire.HeaderStreamVersion:   "3",
		wire.HeaderSchemaVersion:   "2",
		wire.HeaderActor:           "sub-1",
		wire.HeaderCorrelationID:   "c",
		wire.HeaderMsgID:           e.ID.String(),
		wire.HeaderExpectedLastSeq: "41",
	}
	for k, v := range want {
		if got := msg.Metadata.Get(k); got != v {
			t.Errorf("metadata %s = %q, want %q", k, got, v)
		}
	}
	if len(msg.Metadata) != len(want) {
		t.Errorf("metadata %v has keys beyond %v (an empty causation id must be absent)", msg.Metadata, want)
	}
}

func TestSubjectRejectsInvalidTokens(t *testing.T) {
	tests := []struct{ stream, typ string }{
		{"10.0/customers/1", "CustomerCreated"},
		{"1000/customers/1.2", "CustomerCreated"},
		{"1000/customers/*", "CustomerCreated"},
		{"1000/customers/>", "CustomerCreated"},
		{"1000/customers/1 2", "CustomerCreated"},
		{"1000/customers/1\t", "CustomerCreated"},
		{"1000/customers/1\u00a0", "CustomerCreated"},
		{"1000/customers/", "CustomerCreated"},
		{"/customers/1", "CustomerCreated"},
		{"1000/clients/1", "CustomerCreated"},
		{"1000/customers/1/x", "CustomerCreated"},
		{"1000", "CustomerCreated"},
		{"1000/customers/1", "Customer.Created"},
		{"1000/customers/1", "Customer Created"},
		{"1000/customers/1", ""},
		{"1000/customers/\xff", "CustomerCreated"},
		{"1000/lookups/", "CustomerDetailsLookedUp"},
		{"1000/lookups/1.2", "CustomerDetailsLookedUp"},
		{"1000/lookups/1/x", "CustomerDetailsLookedUp"},
		{"/lookups/1", "CustomerDetailsLookedUp"},
		{"1000/Lookups/1", "CustomerDetailsLookedUp"},
		{"1000/lookup/1", "CustomerDetailsLookedUp"},
		{"1000/kyc/1", "KycAnswersUpdated"},
	}
	for _, tt := range tests {
		e := storedEvent(tt.stream, tt.typ)
		if s, err := wire.Subject(e); !errors.Is(err, wire.ErrUnmappableEvent) {
			t.Errorf("Subject(%q, %q) = %q, %v; want ErrUnmappableEvent", tt.stream, tt.typ, s, err)
		}
		if _, err := wire.NewMessage(e); !errors.Is(err, wire.ErrUnmappableEvent) {
			t.Errorf("NewMessage(%q, %q): %v; want ErrUnmappableEvent", tt.stream, tt.typ, err)
		}
	}
	if s, err := wire.Subject(storedEvent("SE-1/customers/0012", "KycAnswersUpdated")); err != nil || s != "ledger.customer.v1.SE-1.0012.KycAnswersUpdated" {
		t.Errorf("Subject = %q, %v", s, err)
	}
}

func TestHeaderValuesArePercentEncoded(t *testing.T) {
	e := storedEvent("1000/customers/1", "CustomerCreated")
	e.Actor = "Euro € 😀"
	e.CorrelationID = `a"b%c` + "\r\n"
	e.CausationID = "plain-ascii_~!"
	msg, err := wire.NewMessage(e)
	if err != nil {
		t.Fatalf("NewMessage: %v", err)
	}
	for k, want := range map[string]string{
		wire.HeaderActor:         "Euro%20%E2%82%AC%20%F0%9F%98%80", // the binding's own example
		wire.HeaderCorrelationID: "a%22b%25c%0D%0A",
		wire.HeaderCausationID:   "plain-ascii_~!",
	} {
		got := msg.Metadata.Get(k)
		if got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
		dec, err := wire.DecodeHeaderValue(got)
		if err != nil {
			t.Errorf("DecodeHeaderValue(%q): %v", got, err)
		}
		if orig := map[string]string{wire.HeaderActor: e.Actor, wire.HeaderCorrelationID: e.CorrelationID, wire.HeaderCausationID: e.CausationID}[k]; dec != orig {
			t.Errorf("%s decodes to %q, want %q", k, dec, orig)
		}
	}
	for _, bad := range []string{"%", "%4", "%zz", "%C0%A0"} {
		if _, err := wire.DecodeHeaderValue(bad); err == nil {
			t.Errorf("DecodeHeaderValue(%q) succeeded", bad)
		}
	}
	if got, err := wire.DecodeHeaderValue("%e2%82%ac"); err != nil || got != "€" {
		t.Errorf("lower-case escapes: %q, %v", got, err)
	}
}

// A customer-details look-up is recorded in "{ledgerNo}/lookups/{customerNo}" and published on
// the customer's subject with ce-subject "lookups/{customerNo}".
func TestNewMessageLookupStream(t *testing.T) {
	for _, tt := range []struct{ stream, subject, ceSubject string }{
		{"1000/lookups/9999", "ledger.customer.v1.1000.9999.CustomerDetailsLookedUp", "lookups/9999"},
		{"1000/lookups/unmatched", "ledger.customer.v1.1000.unmatched.CustomerDetailsLookedUp", "lookups/unmatched"},
	} {
		e := storedEvent(tt.stream, "CustomerDetailsLookedUp")
		msg, err := wire.NewMessage(e)
		if err != nil {
			t.Fatalf("NewMessage(%s): %v", tt.stream, err)
		}
		for k, v := range map[string]string{
			wire.MetadataSubject:      tt.subject,
			wire.HeaderSubject:        tt.ceSubject,
			wire.HeaderSource:         "/ledger/customer/v1/1000",
			wire.HeaderType:           "ledger.customer.v1.CustomerDetailsLookedUp",
			wire.HeaderStreamVersion:  "3",
			wire.HeaderLedgerPosition: "42",
		} {
			if got := msg.Metadata.Get(k); got != v {
				t.Errorf("%s: metadata %s = %q, want %q", tt.stream, k, got, v)
			}
		}
		if s, err := wire.Subject(e); err != nil || s != tt.subject {
			t.Errorf("Subject(%s) = %q, %v", tt.stream, s, err)
		}
	}
}

// Every published message maps back to its stream: stream == ledgerNo + "/" + decoded
// ce-subject, with ledgerNo the last segment of ce-source.
func TestMessageMapsBackToItsStream(t *testing.T) {
	for _, stream := range []string{"1000/customers/123", "SE-1/customers/0012", "1000/lookups/123", "2000/lookups/unmatched", "L%1/customers/9"} {
		msg, err := wire.NewMessage(storedEvent(stream, "CustomerCreated"))
		if err != nil {
			t.Fatalf("NewMessage(%s): %v", stream, err)
		}
		source, err := wire.DecodeHeaderValue(msg.Metadata.Get(wire.HeaderSource))
		if err != nil {
			t.Fatal(err)
		}
		subject, err := wire.DecodeHeaderValue(msg.Metadata.Get(wire.HeaderSubject))
		if err != nil {
			t.Fatal(err)
		}
		ledgerNo := strings.TrimPrefix(source, "/ledger/customer/v1/")
		if got := ledgerNo + "/" + subject; got != stream {
			t.Errorf("message of stream %q maps back to %q", stream, got)
		}
	}
}

// Headers gives the subject and, one value each, the metadata of NewMessage but MetadataSubject;
// with every optional header present and values needing percent-encoding too.
func TestHeadersAreNewMessageMetadata(t *testing.T) {
	full := storedEvent("1000/customers/123", "CustomerCreated")
	full.Actor, full.CausationID = "Åsa \"ö\" 100%", "cause 1"
	full.TraceParent, full.TraceState = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "vendor=x"
	bare := storedEvent("1000/lookups/unmatched", "CustomerDetailsLookedUp")
	bare.Actor, bare.CorrelationID = "", ""
	for _, e := range []eventstore.Event{full, bare} {
		subject, h, err := wire.Headers(e)
		if err != nil {
			t.Fatalf("Headers(%s): %v", e.Stream, err)
		}
		msg, err := wire.NewMessage(e)
		if err != nil {
			t.Fatalf("NewMessage(%s): %v", e.Stream, err)
		}
		if want, _ := wire.Subject(e); subject != want || msg.Metadata.Get(wire.MetadataSubject) != want {
			t.Errorf("%s: subject %q, metadata %q, want %q", e.Stream, subject, msg.Metadata.Get(wire.MetadataSubject), want)
		}
		if len(h) != len(msg.Metadata)-1 {
			t.Errorf("%s: %d headers, %d metadata keys besides the subject", e.Stream, len(h), len(msg.Metadata)-1)
		}
		for k, v := range h {
			if len(v) != 1 || v[0] != msg.Metadata.Get(k) {
				t.Errorf("%s: header %s = %q, metadata %q", e.Stream, k, v, msg.Metadata.Get(k))
			}
		}
		// The values share one array: appending to one header's values must not touch another's.
		h[wire.HeaderSpecVersion] = append(h[wire.HeaderSpecVersion], "x")
		if h[wire.HeaderID][0] != e.ID.String() {
			t.Errorf("%s: appending to %s changed %s to %q", e.Stream, wire.HeaderSpecVersion, wire.HeaderID, h[wire.HeaderID][0])
		}
	}
	e := storedEvent("1000/customers/123", "CustomerCreated")
	e.Position = 0
	if _, _, err := wire.Headers(e); !errors.Is(err, wire.ErrUnmappableEvent) {
		t.Errorf("Headers at position 0: %v; want ErrUnmappableEvent", err)
	}
}
