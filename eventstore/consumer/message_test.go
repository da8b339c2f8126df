package consumer_test

import (
	"bytes"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/eventstore/consumer"
	"github.com/nordledger/ledger/eventstore/relay"
	"github.com/nordledger/ledger/eventstore/wire"
)

// natsHeader is the header the relay publishes an event with.
func natsHeader(t *testing.T, e eventstore.Event) (nats.Header, []byte) {
	t.Helper()
	m, err := wire.NewMessage(e)
	if err != nil {
		t.Fatal(err)
	}
	h := nats.Header{}
	for k, v := range m.Metadata {
		if k != wire.MetadataSubject {
			h.Set(k, v)
		}
	}
	return h, m.Payload
}

// TestDecodeRelayMessages: what the relay publishes, Decode reads back — every attribute,
// percent-encoded values decoded (the CloudEvents SDK hands them over still encoded), the look-up
// streams' subjects, the sealed member split off.
func TestDecodeRelayMessages(t *testing.T) {
	at := time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.UTC)
	for _, e := range []eventstore.Event{
		{ID: uuid.Must(uuid.NewV7()), Stream: "1000/customers/9999", Version: 3, Position: 17, Type: domain.TypeCustomerCreated, SchemaVersion: 1, Time: at,
			Actor: "Åsa Öberg 100%", CorrelationID: `req "1"`, CausationID: "c-1", TraceParent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", TraceState: "vendor=x",
			Data: []byte(`{"$pd":{"v":1,"f":["legalAddress","name"],"c":"AAAA"},"customerNo":"9999","legalStatus":"active","protectedIdentity":false,"source":"api"}`)},
		{ID: uuid.Must(uuid.NewV7()), Stream: "1000/lookups/unmatched", Version: 1, Position: 18, Type: domain.TypeCustomerDetailsLookedUp, SchemaVersion: 1, Time: at,
			Data: []byte(`{"merchantId":"1000","paymentProductId":"9000","countryCode":"SE","keys":["fiscalNumber"],"result":"not-found"}`)},
	} {
		h, payload := natsHeader(t, e)
		got, err := consumer.Decode(h, payload)
		if err != nil {
			t.Fatalf("%s: %v", e.Type, err)
		}
		if got.ID != e.ID || got.Stream() != e.Stream || got.Version != e.Version || got.Position != e.Position || got.Type != e.Type ||
			got.SchemaVersion != e.SchemaVersion || !got.Time.Equal(e.Time) || got.Actor != e.Actor || got.CorrelationID != e.CorrelationID ||
			got.CausationID != e.CausationID || got.TraceParent != e.TraceParent || got.TraceState != e.TraceState || !bytes.Equal(got.Payload, e.Data) {
			t.Errorf("%s: decoded %+v from %+v", e.Type, got, e)
		}
	}
	h, payload := natsHeader(t, eventstore.Event{ID: uuid.Must(uuid.NewV7()), Stream: "1000/customers/9999", Version: 1, Position: 1,
		Type: domain.TypeCustomerCreated, SchemaVersion: 1, Time: at,
		Data: []byte(`{"$pd":{"v":1,"f":["legalAddress","name"],"c":"AAAA"},"customerNo":"9999","legalStatus":"active","protectedIdentity":false,"source":"api"}`)})
	e, _ := consumer.Decode(h, payload)
	if e.Personal != consumer.PersonalSealed || !slices.Equal(e.PersonalMembers, []string{"legalAddress", "name"}) ||
		string(e.Data) != `{"customerNo":"9999","legalStatus":"active","protectedIdentity":false,"source":"api"}` || e.Domain != nil {
		t.Errorf("sealed: %s %v %s %v", e.Personal, e.PersonalMembers, e.Data, e.Domain)
	}
	h, payload = natsHeader(t, eventstore.Event{ID: uuid.Must(uuid.NewV7()), Stream: "1000/customers/9999", Version: 2, Position: 2,
		Type: domain.TypeBillingAddressRemoved, SchemaVersion: 1, Time: at, Data: []byte(`{}`)})
	if e, _ := consumer.Decode(h, payload); e.Personal != consumer.PersonalNone || e.Domain != (domain.BillingAddressRemoved{}) {
		t.Errorf("clear: %s %v", e.Personal, e.Domain)
	}
	h.Set(consumer.HeaderSource, "elsewhere")
	h.Del(consumer.HeaderTime)
	if _, err := consumer.Decode(h, payload); !errors.Is(err, consumer.ErrNotLedgerEvent) {
		t.Errorf("a message without ce-time from elsewhere: %v", err)
	}
}

// TestWireNamesMatchRelay: the consumer reads the headers the relay writes.
func TestWireNamesMatchRelay(t *testing.T) {
	for _, p := range [][2]string{
		{consumer.HeaderSpecVersion, wire.HeaderSpecVersion}, {consumer.HeaderID, wire.HeaderID}, {consumer.HeaderSource, wire.HeaderSource},
		{consumer.HeaderType, wire.HeaderType}, {consumer.HeaderSubject, wire.HeaderSubject}, {consumer.HeaderTime, wire.HeaderTime},
		{consumer.HeaderLedgerPosition, wire.HeaderLedgerPosition}, {consumer.HeaderStreamVersion, wire.HeaderStreamVersion},
		{consumer.HeaderSchemaVersion, wire.HeaderSchemaVersion}, {consumer.HeaderActor, wire.HeaderActor},
		{consumer.HeaderCorrelationID, wire.HeaderCorrelationID}, {consumer.HeaderCausationID, wire.HeaderCausationID},
		{consumer.HeaderTraceParent, wire.HeaderTraceParent}, {consumer.HeaderTraceState, wire.HeaderTraceState},
		{consumer.HeaderMsgID, wire.HeaderMsgID}, {consumer.SubjectPrefix, wire.SubjectPrefix}, {consumer.DefaultStream, relay.DefaultStreamName},
	} {
		if p[0] != p[1] {
			t.Errorf("consumer %q, relay %q", p[0], p[1])
		}
	}
}
