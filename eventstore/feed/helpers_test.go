package feed_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/google/uuid"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/eventstore/feed"
	"github.com/nordledger/ledger/eventstore/relay"
	"github.com/nordledger/ledger/eventstore/wire"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func openStore(t testing.TB) *eventstore.Store {
	t.Helper()
	s, err := eventstore.Open(filepath.Join(t.TempDir(), "events.db"), eventstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// appendEvents appends n events to customers of ledger 1000, one per append.
func appendEvents(t testing.TB, s *eventstore.Store, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		_, err := s.Append(context.Background(), eventstore.AppendRequest{
			Stream: fmt.Sprintf("1000/customers/%d", 1+i%7),
			Events: []eventstore.EventData{{ID: uuid.Must(uuid.NewV7()), Type: "CustomerDetailsChanged", SchemaVersion: 1,
				Time: time.Now().UTC(), Actor: "Åsa %", CorrelationID: fmt.Sprint("c", i), Data: []byte(fmt.Sprintf(`{"n": %d}`, i))}},
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// startNATS starts an embedded JetStream server storing in dir on port (-1: random).
func startNATS(t testing.TB, dir string, port int) *server.Server {
	t.Helper()
	s, err := relay.StartEmbedded(relay.EmbeddedConfig{StoreDir: dir, Port: port, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Shutdown(); s.WaitForShutdown() })
	return s
}

func port(s *server.Server) int { return s.Addr().(*net.TCPAddr).Port }

// jetStream connects with unlimited quick reconnects and makes sure the stream exists.
func jetStream(t testing.TB, url string) jetstream.JetStream {
	t.Helper()
	nc, err := nats.Connect(url, nats.MaxReconnects(-1), nats.ReconnectWait(20*time.Millisecond), nats.RetryOnFailedConnect(true))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	if err := relay.EnsureStream(context.Background(), js, relay.StreamConfig{}); err != nil {
		t.Fatal(err)
	}
	return js
}

// startRelay publishes the store's log to the stream until the test ends.
func startRelay(t testing.TB, store *eventstore.Store, js jetstream.JetStream) *relay.Relay {
	t.Helper()
	r, err := relay.New(relay.Config{Log: store, JetStream: js, Logger: quiet, MinBackoff: 10 * time.Millisecond, MaxBackoff: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); r.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return r
}

// receive takes n messages from c, acknowledging each, and returns their events.
func receive(t testing.TB, c <-chan *message.Message, n int) []eventstore.Event {
	t.Helper()
	out := make([]eventstore.Event, 0, n)
	timeout := time.After(30 * time.Second)
	for len(out) < n {
		select {
		case msg, ok := <-c:
			if !ok {
				t.Fatalf("channel closed after %d of %d messages", len(out), n)
			}
			e, err := wire.EventFromMessage(msg)
			if err != nil {
				t.Fatal(err)
			}
			msg.Ack()
			out = append(out, e)
		case <-timeout:
			t.Fatalf("timed out after %d of %d messages", len(out), n)
		}
	}
	return out
}

// applyNext takes the next message from c as a projection runner does: it checks that the
// message's stream sequence is its event's position, acknowledges it and moves the checkpoint.
func applyNext(t testing.TB, c <-chan *message.Message, checkpoint *atomic.Uint64) eventstore.Event {
	t.Helper()
	msg := <-c
	e, err := wire.EventFromMessage(msg)
	if err != nil {
		t.Fatal(err)
	}
	if seq := msg.Metadata.Get(feed.MetadataStreamSequence); seq != strconv.FormatUint(e.Position, 10) {
		t.Fatalf("stream sequence %q for position %d", seq, e.Position)
	}
	msg.Ack()
	checkpoint.Store(e.Position)
	return e
}

// readLog returns the events at positions from..to.
func readLog(t testing.TB, s *eventstore.Store, from, to uint64) []eventstore.Event {
	t.Helper()
	evs, err := s.ReadAll(context.Background(), from, int(to-from+1))
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// sameEvents fails unless got and want hold the same events (times compared as instants).
func sameEvents(t testing.TB, got, want []eventstore.Event) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d events, want %d", len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if !g.Time.Equal(w.Time) {
			t.Fatalf("event %d: time %v, want %v", i, g.Time, w.Time)
		}
		g.Time = w.Time
		if fmt.Sprint(g) != fmt.Sprint(w) {
			t.Fatalf("event %d:\n got %+v\nwant %+v", i, g, w)
		}
	}
}
