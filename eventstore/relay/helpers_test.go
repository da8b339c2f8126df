package relay_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/eventstore/relay"
)

const testLedger = "1000"

var eventTypes = []string{
	"CustomerCreated", "CustomerDetailsChanged", "LegalAddressReplaced", "BillingAddressAdded",
	"KycAnswersUpdated", "SurplusRegistered", "RecurringCardConsentRemoved",
}

// startServer starts an embedded server on port (-1: random) storing in dir; it is shut down
// when the test ends.
func startServer(t testing.TB, dir string, port int) *server.Server {
	t.Helper()
	s, err := relay.StartEmbedded(relay.EmbeddedConfig{
		StoreDir: dir,
		Port:     port,
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatalf("StartEmbedded: %v", err)
	}
	t.Cleanup(func() {
		s.Shutdown()
		s.WaitForShutdown()
	})
	return s
}

func serverPort(t testing.TB, s *server.Server) int {
	t.Helper()
	addr, ok := s.Addr().(*net.TCPAddr)
	if !ok {
		t.Fatalf("server address %v is not TCP", s.Addr())
	}
	return addr.Port
}

// connect connects with unlimited, quick reconnects, as the relay's connection must.
func connect(t testing.TB, url string) *nats.Conn {
	t.Helper()
	nc, err := nats.Connect(url, nats.MaxReconnects(-1), nats.ReconnectWait(20*time.Millisecond), nats.ReconnectJitter(0, 0))
	if err != nil {
		t.Fatalf("nats.Connect: %v", err)
	}
	t.Cleanup(nc.Close)
	return nc
}

func newJetStream(t testing.TB, nc *nats.Conn) jetstream.JetStream {
	t.Helper()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatalf("jetstream.New: %v", err)
	}
	return js
}

// setup starts a server, connects, and creates the stream.
func setup(t testing.TB) (*server.Server, *nats.Conn, jetstream.JetStream) {
	t.Helper()
	s := startServer(t, t.TempDir(), -1)
	nc := connect(t, s.ClientURL())
	js := newJetStream(t, nc)
	if err := relay.EnsureStream(context.Background(), js, relay.StreamConfig{}); err != nil {
		t.Fatalf("EnsureStream: %v", err)
	}
	return s, nc, js
}

func openStore(t testing.TB, dir string) *eventstore.Store {
	t.Helper()
	s, err := eventstore.Open(filepath.Join(dir, "events.db"), eventstore.Options{})
	if err != nil {
		t.Fatalf("eventstore.Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// newEventData returns event n: varied types, customers, metadata needing percent-encoding, and
// data whose exact bytes (spacing, non-ASCII) must survive.
func newEventData(n int) eventstore.EventData {
	e := eventstore.EventData{
		ID:            uuid.Must(uuid.NewV7()),
		Type:          eventTypes[n%len(eventTypes)],
		SchemaVersion: 1 + n%2,
		Time:          time.Now().UTC(),
		Actor:         fmt.Sprintf("user %d Åsa \"ö\" 100%%", n%5),
		CorrelationID: "corr-" + strconv.Itoa(n),
		Data:          []byte(fmt.Sprintf(`{ "n": %d, "name":"Örjan",  "tags":["a","b"] }`, n)),
	}
	if n%3 != 0 {
		e.CausationID = "cause-" + strconv.Itoa(n)
	}
	return e
}

// appendEvents appends n events (one or two per append) to customers of testLedger.
func appendEvents(t testing.TB, s *eventstore.Store, n int) {
	t.Helper()
	if err := tryAppendEvents(s, n); err != nil {
		t.Fatal(err)
	}
}

// tryAppendEvents is appendEvents for goroutines other than the test's.
func tryAppendEvents(s *eventstore.Store, n int) error {
	for i := 0; i < n; {
		k := min(1+i%2, n-i)
		evs := make([]eventstore.EventData, k)
		for j := range evs {
			evs[j] = newEventData(i + j)
		}
		stream := fmt.Sprintf("%s/customers/%d", testLedger, 1+i%17)
		if _, err := s.Append(context.Background(), eventstore.AppendRequest{Stream: stream, Events: evs}); err != nil {
			return fmt.Errorf("Append: %w", err)
		}
		i += k
	}
	return nil
}

// appender appends events until stopped; stop returns how many it appended and fails the test on
// any append error.
func appender(t *testing.T, s *eventstore.Store) (stop func() int) {
	t.Helper()
	done := make(chan struct{})
	result := make(chan int, 1)
	var failed error
	go func() {
		n := 0
		for {
			select {
			case <-done:
				result <- n
				return
			default:
			}
			_, err := s.Append(context.Background(), eventstore.AppendRequest{
				Stream: fmt.Sprintf("%s/customers/%d", testLedger, 1+n%23),
				Events: []eventstore.EventData{newEventData(n)},
			})
			if err != nil {
				failed = err
				result <- n
				return
			}
			n++
			time.Sleep(200 * time.Microsecond)
		}
	}()
	var once sync.Once
	n := 0
	return func() int {
		once.Do(func() {
			close(done)
			n = <-result
			if failed != nil {
				t.Errorf("append while relaying: %v", failed)
			}
		})
		return n
	}
}

func head(t testing.TB, s *eventstore.Store) uint64 {
	t.Helper()
	h, err := s.Head(context.Background())
	if err != nil {
		t.Fatalf("Head: %v", err)
	}
	return h
}

func readLog(t testing.TB, s *eventstore.Store) []eventstore.Event {
	t.Helper()
	var out []eventstore.Event
	for from := uint64(1); ; {
		batch, err := s.ReadAll(context.Background(), from, 1000)
		if err != nil {
			t.Fatalf("ReadAll: %v", err)
		}
		if len(batch) == 0 {
			return out
		}
		out = append(out, batch...)
		from = batch[len(batch)-1].Position + 1
	}
}

// running is a relay started by startRelay.
type running struct {
	*relay.Relay
	cancel context.CancelFunc
	done   chan struct{} // closed when Run returned
	err    error         // Run's result, set before done is closed
}

// wait returns Run's result once it returned.
func (r *running) wait() error {
	<-r.done
	return r.err
}

// stop cancels the relay and returns Run's result.
func (r *running) stop() error {
	r.cancel()
	return r.wait()
}

// startRelay runs a relay with quick backoffs until stopped (at the latest when the test ends).
func startRelay(t testing.TB, cfg relay.Config) *running {
	t.Helper()
	if cfg.MinBackoff == 0 {
		cfg.MinBackoff = 10 * time.Millisecond
	}
	if cfg.MaxBackoff == 0 {
		cfg.MaxBackoff = 200 * time.Millisecond
	}
	if cfg.AckTimeout == 0 {
		cfg.AckTimeout = 5 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	r, err := relay.New(cfg)
	if err != nil {
		t.Fatalf("relay.New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	run := &running{Relay: r, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(run.done)
		run.err = r.Run(ctx)
	}()
	t.Cleanup(func() { run.stop() })
	return run
}

// waitFor polls cond until it holds; it fails the test when the test's deadline nears (a hang,
// not a timing assertion).
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := waitDeadline(t)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func waitPublished(t testing.TB, r *running, n uint64) {
	t.Helper()
	waitFor(t, fmt.Sprintf("relay to publish up to %d", n), func() bool { return r.Status().Published >= n })
	if got := r.Status().Published; got != n {
		t.Fatalf("Published = %d, want %d", got, n)
	}
}

// waitDeadline is when a wait for something that will happen gives up: shortly before go test's
// own -timeout (so the failure says what was awaited), never at a fixed time a loaded machine
// may pass; none without a -timeout.
func waitDeadline(t testing.TB) time.Time {
	if dt, ok := t.(interface{ Deadline() (time.Time, bool) }); ok {
		if d, ok := dt.Deadline(); ok {
			return d.Add(-max(time.Until(d)/10, 5*time.Second))
		}
	}
	return time.Now().Add(1 << 62)
}
