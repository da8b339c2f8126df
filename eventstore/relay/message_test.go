package relay_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/eventstore/relay"
)

func storedEvent(stream, typ string) eventstore.Event {
	return eventstore.Event{
		ID: uuid.Must(uuid.NewV7()), Stream: stream, Version: 3, Position: 42, Type: typ, SchemaVersion: 2,
		Time: time.Date(2026, 1, 2, 3, 4, 5, 600, time.UTC), Actor: "sub-1", CorrelationID: "c", Data: []byte(`{"a":1}`),
	}
}

func TestNewMessage(t *testing.T) {
	e := storedEvent("1000/customers/123", "CustomerCreated")
	msg, err := relay.NewMessage(e)
	if err != nil {
		t.Fatalf("NewMessage: %v", err)
	}
	if msg.UUID != e.ID.String() || string(msg.Payload) != `{"a":1}` {
		t.Fatalf("UUID %q payload %q", msg.UUID, msg.Payload)
	}
	want := map[string]string{
		relay.MetadataSubject:       "ledger.customer.v1.1000.123.CustomerCreated",
		relay.HeaderSpecVersion:     "1.0",
		relay.HeaderID:              e.ID.String(),
		relay.HeaderSource:          "/ledger/customer/v1/1000",
		relay.HeaderType:            "ledger.customer.v1.CustomerCreated",
		relay.HeaderSubject:         "customers/123",
		relay.HeaderTime:            "2026-01-02T03:04:05.0000006Z",
		relay.HeaderDataContentType: "application/json",
		relay.HeaderContentType:     "application/json",
		relay.HeaderLedgerPosition:  "42",
		relay.HeaderStreamVersion:   "3",
		relay.HeaderSchemaVersion:   "2",
		relay.HeaderActor:           "sub-1",
		relay.HeaderCorrelationID:   "c",
		relay.HeaderMsgID:           e.ID.String(),
		relay.HeaderExpectedLastSeq: "41",
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
		if s, err := relay.Subject(e); !errors.Is(err, relay.ErrUnmappableEvent) {
			t.Errorf("Subject(%q, %q) = %q, %v; want ErrUnmappableEvent", tt.stream, tt.typ, s, err)
		}
		if _, err := relay.NewMessage(e); !errors.Is(err, relay.ErrUnmappableEvent) {
			t.Errorf("NewMessage(%q, %q): %v; want ErrUnmappableEvent", tt.stream, tt.typ, err)
		}
	}
	if s, err := relay.Subject(storedEvent("SE-1/customers/0012", "KycAnswersUpdated")); err != nil || s != "ledger.customer.v1.SE-1.0012.KycAnswersUpdated" {
		t.Errorf("Subject = %q, %v", s, err)
	}
}

func TestHeaderValuesArePercentEncoded(t *testing.T) {
	e := storedEvent("1000/customers/1", "CustomerCreated")
	e.Actor = "Euro € 😀"
	e.CorrelationID = `a"b%c` + "\r\n"
	e.CausationID = "plain-ascii_~!"
	msg, err := relay.NewMessage(e)
	if err != nil {
		t.Fatalf("NewMessage: %v", err)
	}
	for k, want := range map[string]string{
		relay.HeaderActor:         "Euro%20%E2%82%AC%20%F0%9F%98%80", // the binding's own example
		relay.HeaderCorrelationID: "a%22b%25c%0D%0A",
		relay.HeaderCausationID:   "plain-ascii_~!",
	} {
		got := msg.Metadata.Get(k)
		if got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
		dec, err := relay.DecodeHeaderValue(got)
		if err != nil {
			t.Errorf("DecodeHeaderValue(%q): %v", got, err)
		}
		if orig := map[string]string{relay.HeaderActor: e.Actor, relay.HeaderCorrelationID: e.CorrelationID, relay.HeaderCausationID: e.CausationID}[k]; dec != orig {
			t.Errorf("%s decodes to %q, want %q", k, dec, orig)
		}
	}
	for _, bad := range []string{"%", "%4", "%zz", "%C0%A0"} {
		if _, err := relay.DecodeHeaderValue(bad); err == nil {
			t.Errorf("DecodeHeaderValue(%q) succeeded", bad)
		}
	}
	if got, err := relay.DecodeHeaderValue("%e2%82%ac"); err != nil || got != "€" {
		t.Errorf("lower-case escapes: %q, %v", got, err)
	}
}

func TestConfigValidateReportsEveryProblem(t *testing.T) {
	err := relay.Config{Stream: "A.B", MaxInFlight: -1, MinBackoff: -1, MaxBackoff: -1, AckTimeout: -1}.Validate()
	if err == nil {
		t.Fatal("Validate accepted an invalid config")
	}
	for _, want := range []string{"Log", "JetStream", "stream name", "MaxInFlight", "MinBackoff", "MaxBackoff", "AckTimeout"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Validate error %q does not mention %s", err, want)
		}
	}
	if _, err := relay.New(relay.Config{}); err == nil {
		t.Error("New accepted an empty config")
	}

	err = relay.StreamConfig{Name: "a b", MaxAge: time.Minute, Replicas: 7}.Validate()
	for _, want := range []string{"stream name", "Duplicates", "Replicas"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("StreamConfig.Validate = %v, want a mention of %s", err, want)
		}
	}
	if err := (relay.StreamConfig{}).Validate(); err != nil {
		t.Errorf("zero StreamConfig: %v", err)
	}
	if err := (relay.AsyncPublisherConfig{AckTimeout: -1, MaxInFlight: -1}).Validate(); err == nil || !strings.Contains(err.Error(), "MaxInFlight") {
		t.Errorf("AsyncPublisherConfig.Validate = %v", err)
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
		msg, err := relay.NewMessage(e)
		if err != nil {
			t.Fatalf("NewMessage(%s): %v", tt.stream, err)
		}
		for k, v := range map[string]string{
			relay.MetadataSubject:      tt.subject,
			relay.HeaderSubject:        tt.ceSubject,
			relay.HeaderSource:         "/ledger/customer/v1/1000",
			relay.HeaderType:           "ledger.customer.v1.CustomerDetailsLookedUp",
			relay.HeaderStreamVersion:  "3",
			relay.HeaderLedgerPosition: "42",
		} {
			if got := msg.Metadata.Get(k); got != v {
				t.Errorf("%s: metadata %s = %q, want %q", tt.stream, k, got, v)
			}
		}
		if s, err := relay.Subject(e); err != nil || s != tt.subject {
			t.Errorf("Subject(%s) = %q, %v", tt.stream, s, err)
		}
	}
}

// Every published message maps back to its stream: stream == ledgerNo + "/" + decoded
// ce-subject, with ledgerNo the last segment of ce-source.
func TestMessageMapsBackToItsStream(t *testing.T) {
	for _, stream := range []string{"1000/customers/123", "SE-1/customers/0012", "1000/lookups/123", "2000/lookups/unmatched", "L%1/customers/9"} {
		msg, err := relay.NewMessage(storedEvent(stream, "CustomerCreated"))
		if err != nil {
			t.Fatalf("NewMessage(%s): %v", stream, err)
		}
		source, err := relay.DecodeHeaderValue(msg.Metadata.Get(relay.HeaderSource))
		if err != nil {
			t.Fatal(err)
		}
		subject, err := relay.DecodeHeaderValue(msg.Metadata.Get(relay.HeaderSubject))
		if err != nil {
			t.Fatal(err)
		}
		ledgerNo := strings.TrimPrefix(source, "/ledger/customer/v1/")
		if got := ledgerNo + "/" + subject; got != stream {
			t.Errorf("message of stream %q maps back to %q", stream, got)
		}
	}
}
