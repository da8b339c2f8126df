package relay_test

import (
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
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
