package relay_test

import (
	"context"
	"io"
	"log/slog"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nordledger/ledger/eventstore/relay"
)

// TestStartEmbeddedMaxStoreIsExplicit: JetStream's storage limit does not depend on the disk's
// free space at start (nats-server computes it from there when none is given, and a start on a
// full disk then refused every message until the next restart).
func TestStartEmbeddedMaxStoreIsExplicit(t *testing.T) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, tt := range []struct {
		set, want int64
	}{{0, relay.DefaultMaxStore}, {64 << 30, 64 << 30}} {
		s, err := relay.StartEmbedded(relay.EmbeddedConfig{StoreDir: t.TempDir(), Port: -1, MaxStore: tt.set, Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		got := s.JetStreamConfig().MaxStore
		s.Shutdown()
		s.WaitForShutdown()
		if got != tt.want {
			t.Errorf("MaxStore %d: JetStream's limit is %d, want %d", tt.set, got, tt.want)
		}
	}
	if _, err := relay.StartEmbedded(relay.EmbeddedConfig{StoreDir: t.TempDir(), Port: -1, MaxStore: -1, Logger: quiet}); err == nil {
		t.Error("StartEmbedded accepted a negative MaxStore")
	}
}

// startHealer runs a healer with quick checks until stop (at the latest when the test ends).
func startHealer(t *testing.T, s *server.Server, emb relay.EmbeddedConfig, cfg relay.HealerConfig) (*relay.Healer, func()) {
	t.Helper()
	cfg.Interval, cfg.MinBackoff, cfg.MaxBackoff = 10*time.Millisecond, 10*time.Millisecond, 100*time.Millisecond
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	h, err := relay.NewHealer(s, emb, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		h.Run(ctx)
	}()
	stop := func() { cancel(); <-done }
	t.Cleanup(func() {
		stop()
		h.Server().Shutdown() // a restart replaced the server
		h.Server().WaitForShutdown()
	})
	return h, stop
}

// TestHealerRestartsTheServer: the embedded JetStream stops storing (nats-server shuts it down
// itself on some out-of-space paths, and never starts it again). The log keeps growing; the
// healer reports the problem and the relay's status says it is stuck; while the disk has no room
// (here: less than an impossible MinFree) nothing is restarted. Once it has, the healer restarts
// the server on the same address, and the relay — its connection reconnects — publishes every
// event exactly once, in order.
func TestHealerRestartsTheServer(t *testing.T) {
	emb := relay.EmbeddedConfig{StoreDir: t.TempDir(), Port: -1, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	s, err := relay.StartEmbedded(emb)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Shutdown(); s.WaitForShutdown() })
	js := newJetStream(t, connect(t, s.ClientURL()))
	if err := relay.EnsureStream(context.Background(), js, relay.StreamConfig{}); err != nil {
		t.Fatal(err)
	}
	store := openStore(t, t.TempDir())
	appendEvents(t, store, 20)
	r := startRelay(t, relay.Config{Log: store, JetStream: js, StuckAfter: 50 * time.Millisecond, AckTimeout: 200 * time.Millisecond})
	waitPublished(t, r, 20)

	full, stopFull := startHealer(t, s, emb, relay.HealerConfig{MinFree: math.MaxUint64})
	if err := s.ShutdownJetStream(); err != nil {
		t.Fatal(err)
	}
	appendEvents(t, store, 30)
	waitFor(t, "the healer to report the problem", func() bool {
		p, since := full.Problem()
		return strings.Contains(p, "JetStream is disabled") && !since.IsZero()
	})
	waitFor(t, "the relay to say it is stuck", func() bool { return r.Status().Stuck })
	if st := r.Status(); st.Published != 20 || st.Head != 50 || st.Since.IsZero() {
		t.Fatalf("stuck relay: %+v", st)
	}
	if full.Server() != s || s.JetStreamEnabled() {
		t.Fatal("the server was restarted although the disk had no room")
	}
	stopFull()

	h, _ := startHealer(t, s, emb, relay.HealerConfig{})
	waitPublished(t, r, 50)
	if h.Server() == s || h.Server().ClientURL() != s.ClientURL() {
		t.Fatalf("the server was not restarted on its address (%s, was %s)", h.Server().ClientURL(), s.ClientURL())
	}
	waitFor(t, "the healer to see JetStream store again", func() bool { p, _ := h.Problem(); return p == "" })
	if st := r.Status(); st.Stuck || st.LagPositions != 0 {
		t.Fatalf("relay after the restart: %+v", st)
	}
	checkReplay(t, replay(t, js, 50), readLog(t, store))
}
