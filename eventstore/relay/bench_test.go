package relay_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/eventstore/relay"
	"github.com/nordledger/ledger/eventstore/wire"
)

const benchEvents = 20_000

// BenchmarkRelay measures how fast the relay empties a log of 20k events into an empty stream,
// next to the bus ceiling: raw nats.go async publishing of the very same messages (same subjects,
// headers and payloads, all in flight at once) on the same server. Each runs against a server
// with SyncAlways (StartEmbedded's zero SyncInterval) and one with an fsync every second
// (ledgerd's default for its embedded server).
// Reported as msgs/s.
func BenchmarkRelay(b *testing.B) {
	store := openStore(b, b.TempDir())
	appendConcurrently(b, store, benchEvents)
	events := readLog(b, store)
	for _, mode := range []struct {
		name     string
		interval time.Duration
	}{{"sync=always", 0}, {"sync=1s", time.Second}} {
		srv := benchServer(b, mode.interval)
		nc := connect(b, srv.ClientURL())
		js := newJetStream(b, nc)
		b.Run("relay/"+mode.name, func(b *testing.B) {
			logger := slog.New(slog.NewTextHandler(io.Discard, nil))
			var elapsed time.Duration
			for range b.N {
				resetStream(b, js)
				r, err := relay.New(relay.Config{Log: store, JetStream: js, Logger: logger})
				if err != nil {
					b.Fatal(err)
				}
				ctx, cancel := context.WithCancel(context.Background())
				done := make(chan error, 1)
				start := time.Now()
				go func() { done <- r.Run(ctx) }()
				for r.Status().Published < benchEvents {
					time.Sleep(time.Millisecond)
				}
				elapsed += time.Since(start)
				cancel()
				if err := <-done; err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(benchEvents*b.N)/elapsed.Seconds(), "msgs/s")
			b.ReportMetric(0, "ns/op")
		})
		b.Run("raw-async/"+mode.name, func(b *testing.B) {
			msgs := rawMessages(b, events)
			var elapsed time.Duration
			for range b.N {
				resetStream(b, js)
				raw, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(benchEvents))
				if err != nil {
					b.Fatal(err)
				}
				start := time.Now()
				futures := make([]jetstream.PubAckFuture, len(msgs))
				for i, m := range msgs {
					if futures[i], err = raw.PublishMsgAsync(m); err != nil {
						b.Fatal(err)
					}
				}
				<-raw.PublishAsyncComplete()
				elapsed += time.Since(start)
				for i, f := range futures {
					select {
					case <-f.Ok():
					case err := <-f.Err():
						b.Fatalf("message %d: %v", i+1, err)
					}
				}
			}
			b.ReportMetric(float64(benchEvents*b.N)/elapsed.Seconds(), "msgs/s")
			b.ReportMetric(0, "ns/op")
		})
	}
}

// benchServer starts an embedded server on a random port with the given sync interval
// (0: SyncAlways).
func benchServer(b *testing.B, interval time.Duration) *server.Server {
	s, err := relay.StartEmbedded(relay.EmbeddedConfig{
		StoreDir: b.TempDir(), Port: -1, SyncInterval: interval,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		s.Shutdown()
		s.WaitForShutdown()
	})
	return s
}

// resetStream deletes and recreates the stream, so every run starts from sequence 0.
func resetStream(b *testing.B, js jetstream.JetStream) {
	ctx := context.Background()
	if err := js.DeleteStream(ctx, relay.DefaultStreamName); err != nil && !errors.Is(err, jetstream.ErrStreamNotFound) {
		b.Fatal(err)
	}
	if err := relay.EnsureStream(ctx, js, relay.StreamConfig{}); err != nil {
		b.Fatal(err)
	}
}

// rawMessages builds the NATS messages the relay sends for events.
func rawMessages(b *testing.B, events []eventstore.Event) []*nats.Msg {
	out := make([]*nats.Msg, len(events))
	for i, e := range events {
		subject, h, err := wire.Headers(e)
		if err != nil {
			b.Fatal(err)
		}
		h[wire.HeaderExpectedStream] = []string{relay.DefaultStreamName}
		h[relay.WatermillUUIDHeader] = h[wire.HeaderMsgID]
		out[i] = &nats.Msg{Subject: subject, Header: nats.Header(h), Data: e.Data}
	}
	return out
}

// appendConcurrently appends n events from 16 writers, 4 events per append.
func appendConcurrently(b *testing.B, s *eventstore.Store, n int) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for {
				i := int(next.Add(4)) - 4
				if i >= n {
					return
				}
				evs := make([]eventstore.EventData, min(4, n-i))
				for j := range evs {
					evs[j] = newEventData(i + j)
				}
				stream := testLedger + "/customers/" + strconv.Itoa(1+i/4)
				if _, err := s.Append(context.Background(), eventstore.AppendRequest{Stream: stream, Events: evs}); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if head(b, s) != uint64(n) {
		b.Fatalf("head %d, want %d", head(b, s), n)
	}
}
