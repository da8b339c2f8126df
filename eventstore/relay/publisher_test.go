package relay_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/eventstore/relay"
	"github.com/nordledger/ledger/eventstore/wire"
)

func newPublisher(t *testing.T, nc *nats.Conn) *relay.AsyncPublisher {
	t.Helper()
	p, err := relay.NewAsyncPublisher(nc, relay.AsyncPublisherConfig{})
	if err != nil {
		t.Fatalf("NewAsyncPublisher: %v", err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func TestAsyncPublisherCopiesMetadataIntoHeaders(t *testing.T) {
	srv, nc, _ := setup(t)
	plain := subscribeAll(t, srv.ClientURL())
	p := newPublisher(t, nc)

	routed := message.NewMessage("id-1", []byte(`{"x":1}`))
	routed.Metadata.Set(wire.MetadataSubject, "ledger.customer.v1.a.b.Routed")
	routed.Metadata.Set("ce-custom", "v")
	fallback := message.NewMessage("id-2", []byte(`{}`))
	if err := p.Publish("ledger.customer.v1.a.b.Topic", routed, fallback); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	msgs := plain.waitFor(t, 2)
	if msgs[0].Subject != "ledger.customer.v1.a.b.Routed" || msgs[1].Subject != "ledger.customer.v1.a.b.Topic" {
		t.Fatalf("subjects %q, %q", msgs[0].Subject, msgs[1].Subject)
	}
	h := msgs[0].Header
	if h.Get("ce-custom") != "v" || h.Get(relay.WatermillUUIDHeader) != "id-1" || h.Get(wire.MetadataSubject) != "" || string(msgs[0].Data) != `{"x":1}` {
		t.Fatalf("headers %v, data %q", h, msgs[0].Data)
	}

	if err := p.Publish("", message.NewMessage("id-3", nil)); !errors.Is(err, relay.ErrNoSubject) {
		t.Fatalf("Publish without a subject = %v, want ErrNoSubject", err)
	}
}

// SendEvents puts on the wire what Publish sends for wire.NewMessage (the relay's two paths):
// the same subjects, headers, values and payloads, for events with and without the optional
// headers and with values needing percent-encoding.
func TestSendEventsSendsWhatPublishSends(t *testing.T) {
	srv, nc, _ := setup(t)
	plain := subscribeAll(t, srv.ClientURL())
	p := newPublisher(t, nc)
	// Publish sends to a server of its own, so that the same events are stored again at the same
	// sequences in a fresh stream (a stream deleted and made again at once under one name can
	// fail: nats-server removes the old store's files in the background).
	srv2, nc2, _ := setup(t)
	plain2 := subscribeAll(t, srv2.ClientURL())
	p2 := newPublisher(t, nc2)
	at := time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.FixedZone("CET", 3600))
	events := []eventstore.Event{
		{Stream: "1000/customers/9999", Type: "CustomerCreated", Version: 1, Actor: `Åsa "ö" 100%`, CorrelationID: "req 1",
			CausationID: "c-1\r\n", TraceParent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", TraceState: "vendor=x,other=y"},
		{Stream: "1000/lookups/unmatched", Type: "CustomerDetailsLookedUp", Version: 7},
		{Stream: "L%1/customers/0012", Type: "KycAnswersUpdated", Version: 2, CorrelationID: "€", TraceParent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"},
		{Stream: "1000/customers/9999", Type: "CustomerDetailsChanged", Version: 2, Actor: "sub-1", CausationID: "c-2", TraceState: "only=state"},
	}
	for i := range events {
		events[i].ID = uuid.Must(uuid.NewV7())
		events[i].Position = uint64(i + 1)
		events[i].SchemaVersion = 1 + i%2
		events[i].Time = at.Add(time.Duration(i) * time.Second)
		events[i].Data = []byte(fmt.Sprintf(`{ "n": %d, "name":"Örjan" }`, i))
	}

	pending, err := p.SendEvents(context.Background(), relay.DefaultStreamName, events)
	if err != nil {
		t.Fatalf("SendEvents: %v", err)
	}
	if err := pending.Err(); err != nil {
		t.Fatalf("SendEvents: %v", err)
	}
	msgs := make([]*message.Message, len(events))
	for i, e := range events {
		if msgs[i], err = wire.NewMessage(e); err != nil {
			t.Fatal(err)
		}
		msgs[i].Metadata.Set(wire.HeaderExpectedStream, relay.DefaultStreamName)
	}
	if err := p2.Publish("", msgs...); err != nil {
		t.Fatalf("Publish: %v", err)
	}

	sent, published := plain.waitFor(t, len(events)), plain2.waitFor(t, len(events))
	for i := range events {
		direct, viaWatermill := sent[i], published[i]
		if direct.Subject != viaWatermill.Subject || !bytes.Equal(direct.Data, viaWatermill.Data) {
			t.Errorf("event %d: subject %q, data %q; Publish sent %q, %q", i+1, direct.Subject, direct.Data, viaWatermill.Subject, viaWatermill.Data)
		}
		if !reflect.DeepEqual(direct.Header, viaWatermill.Header) {
			t.Errorf("event %d: headers\n%v\nPublish sent\n%v", i+1, direct.Header, viaWatermill.Header)
		}
		if direct.Header.Get(relay.WatermillUUIDHeader) != events[i].ID.String() || direct.Header.Get(wire.HeaderExpectedStream) != relay.DefaultStreamName {
			t.Errorf("event %d: headers %v lack the Watermill UUID or the expected stream", i+1, direct.Header)
		}
	}
	if t.Failed() {
		return
	}

	// An event that cannot be mapped fails SendEvents before anything is sent.
	bad := events[0]
	bad.Position = 5
	bad.Stream = "1000/kyc/1"
	if _, err := p.SendEvents(context.Background(), relay.DefaultStreamName, []eventstore.Event{events[0], bad}); !errors.Is(err, wire.ErrUnmappableEvent) {
		t.Fatalf("SendEvents with an unmappable event = %v, want ErrUnmappableEvent", err)
	}
	if n := len(plain.snapshot()); n != len(events) {
		t.Fatalf("%d messages after the failed SendEvents, want %d", n, len(events))
	}
}

// A message expected at sequence N+1 but acknowledged elsewhere (a duplicate of a message stored
// earlier) is an error, not a success.
func TestAsyncPublisherChecksAckSequence(t *testing.T) {
	_, nc, _ := setup(t)
	p := newPublisher(t, nc)
	id := uuid.NewString()
	msg := func(expect string) *message.Message {
		m := message.NewMessage(id, []byte(`{}`))
		m.Metadata.Set(wire.MetadataSubject, "ledger.customer.v1.a.b.C")
		m.Metadata.Set(wire.HeaderMsgID, id)
		if expect != "" {
			m.Metadata.Set(wire.HeaderExpectedLastSeq, expect)
		}
		return m
	}
	if err := p.Publish("", msg("0")); err != nil {
		t.Fatalf("first Publish: %v", err)
	}
	// Expected last sequence 1 holds, so de-duplication answers with the original sequence 1.
	if err := p.Publish("", msg("1")); !errors.Is(err, relay.ErrUnexpectedSequence) {
		t.Fatalf("duplicate Publish = %v, want ErrUnexpectedSequence", err)
	}
	if err := p.Publish("", msg("")); err != nil {
		t.Fatalf("duplicate without expectation: %v (a duplicate ack is a success)", err)
	}
}

func TestAsyncPublisherFailsFastWhenDisconnectedOrClosed(t *testing.T) {
	srv, nc, _ := setup(t)
	p := newPublisher(t, nc)
	m := message.NewMessage("id", []byte(`{}`))
	srv.Shutdown()
	srv.WaitForShutdown()
	waitFor(t, "client to notice", func() bool { return !nc.IsConnected() })
	if err := p.Publish("ledger.customer.v1.a.b.C", m); !errors.Is(err, nats.ErrDisconnected) {
		t.Fatalf("Publish while disconnected = %v, want ErrDisconnected", err)
	}
	p.Close()
	if err := p.Publish("ledger.customer.v1.a.b.C", m); !errors.Is(err, relay.ErrPublisherClosed) {
		t.Fatalf("Publish after Close = %v, want ErrPublisherClosed", err)
	}
}

// A JetStream start failure is reported as an error; the server's fatal log does not exit the
// process (this test would not finish if it did).
func TestStartEmbeddedReportsJetStreamFailure(t *testing.T) {
	notADir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notADir, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := relay.StartEmbedded(relay.EmbeddedConfig{StoreDir: notADir, Port: -1, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err == nil {
		s.Shutdown()
		t.Fatal("StartEmbedded succeeded with a file as store directory")
	}
	if !strings.Contains(err.Error(), "JetStream") {
		t.Fatalf("error %q does not say JetStream failed", err)
	}
	if _, err := relay.StartEmbedded(relay.EmbeddedConfig{}); err == nil {
		t.Fatal("StartEmbedded without StoreDir succeeded")
	}
}

// TestStartEmbeddedSyncInterval: the sync setting reaches JetStream — SyncAlways for the zero
// interval, a periodic fsync otherwise — and ParseSyncInterval reads ledgerd's setting.
func TestStartEmbeddedSyncInterval(t *testing.T) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, tt := range []struct {
		setting string
		always  bool
		every   time.Duration
	}{{"always", true, 0}, {"1s", false, time.Second}, {"250ms", false, 250 * time.Millisecond}} {
		interval, err := relay.ParseSyncInterval(tt.setting)
		if err != nil {
			t.Fatalf("ParseSyncInterval(%q): %v", tt.setting, err)
		}
		s, err := relay.StartEmbedded(relay.EmbeddedConfig{StoreDir: t.TempDir(), Port: -1, SyncInterval: interval, Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		cfg := s.JetStreamConfig()
		s.Shutdown()
		s.WaitForShutdown()
		if cfg.SyncAlways != tt.always || !tt.always && cfg.SyncInterval != tt.every {
			t.Errorf("%s: JetStream SyncAlways %t SyncInterval %s, want %t %s", tt.setting, cfg.SyncAlways, cfg.SyncInterval, tt.always, tt.every)
		}
	}
	for _, bad := range []string{"", "0", "-1s", "never", "Always"} {
		if _, err := relay.ParseSyncInterval(bad); err == nil {
			t.Errorf("ParseSyncInterval(%q) succeeded", bad)
		}
	}
	if _, err := relay.StartEmbedded(relay.EmbeddedConfig{StoreDir: t.TempDir(), Port: -1, SyncInterval: -time.Second, Logger: quiet}); err == nil {
		t.Error("StartEmbedded accepted a negative SyncInterval")
	}
}
