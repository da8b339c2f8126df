package relay_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/google/uuid"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/eventstore/relay"
	"github.com/nordledger/ledger/eventstore/wire"
)

// Every event, old (catch-up) and new (live, appended concurrently), reaches a plain NATS
// subscriber and the stream: right subjects and headers, exact payloads, positions 1..N in order.
func TestRelayPublishesEveryEvent(t *testing.T) {
	srv, _, js := setup(t)
	store := openStore(t, t.TempDir())
	plain := subscribeAll(t, srv.ClientURL())
	appendEvents(t, store, 250)

	r := startRelay(t, relay.Config{Log: store, JetStream: js, MaxInFlight: 64})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if err := tryAppendEvents(store, 100); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	const total = 650
	waitPublished(t, r, total)

	events := readLog(t, store)
	checkPlain(t, plain.waitFor(t, total), events)
	checkReplay(t, replay(t, js, total), events)
	st := r.Status()
	if st.Head != total || st.LagPositions != 0 || st.LagSeconds != 0 || st.LastError != "" || !st.Connected {
		t.Fatalf("Status = %+v, want caught up and connected", st)
	}
	if err := r.stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
}

// A relay stopped mid-run and a new one started resume from the stream's last sequence: every
// event is sent exactly once, even to a plain subscriber.
func TestRelayResumesFromStreamAfterRestart(t *testing.T) {
	srv, _, js := setup(t)
	store := openStore(t, t.TempDir())
	plain := subscribeAll(t, srv.ClientURL())
	stopAppending := appender(t, store)

	r1 := startRelay(t, relay.Config{Log: store, JetStream: js, MaxInFlight: 16})
	waitFor(t, "first relay to publish 50 events", func() bool { return r1.Status().Published >= 50 })
	if err := r1.stop(); err != nil {
		t.Fatalf("first Run: %v", err)
	}
	stream, err := js.Stream(context.Background(), relay.DefaultStreamName)
	if err != nil {
		t.Fatalf("Stream: %v", err)
	}
	last := stream.CachedInfo().State.LastSeq
	if got := r1.Status().Published; got != last {
		t.Fatalf("stopped relay's cursor %d, stream's last sequence %d", got, last)
	}
	waitFor(t, "more appends while no relay runs", func() bool { return head(t, store) > last+20 })

	r2 := startRelay(t, relay.Config{Log: store, JetStream: js, MaxInFlight: 16})
	waitFor(t, "second relay to make progress", func() bool { return r2.Status().Published > last+20 })
	stopAppending()
	n := head(t, store)
	waitPublished(t, r2, n)

	events := readLog(t, store)
	checkPlain(t, plain.waitFor(t, int(n)), events)
	checkReplay(t, replay(t, js, int(n)), events)
}

// NATS goes away while appends continue: appends succeed, Status shows the lag, and once a new
// server runs on the same store directory and port every event arrives, in order, once.
func TestRelaySurvivesNATSOutage(t *testing.T) {
	dir := t.TempDir()
	srv := startServer(t, dir, -1)
	port := serverPort(t, srv)
	nc := connect(t, srv.ClientURL())
	js := newJetStream(t, nc)
	if err := relay.EnsureStream(context.Background(), js, relay.StreamConfig{}); err != nil {
		t.Fatalf("EnsureStream: %v", err)
	}
	store := openStore(t, t.TempDir())
	r := startRelay(t, relay.Config{Log: store, JetStream: js, MaxInFlight: 32})
	stopAppending := appender(t, store)
	waitFor(t, "relay to publish 50 events", func() bool { return r.Status().Published >= 50 })

	srv.Shutdown()
	srv.WaitForShutdown()
	down := head(t, store)
	waitFor(t, "appends to go on while NATS is down", func() bool { return head(t, store) > down+50 })
	waitFor(t, "Status to show the outage", func() bool {
		st := r.Status()
		return !st.Connected && st.LagPositions > 50 && st.LagSeconds > 0 && st.LastError != ""
	})

	srv2 := startServer(t, dir, port)
	defer srv2.Shutdown()
	waitFor(t, "relay to catch up past the outage", func() bool { return r.Status().Published > head(t, store)-5 && r.Status().Published > down+50 })
	stopAppending()
	n := head(t, store)
	waitPublished(t, r, n)
	st := r.Status()
	if st.LagPositions != 0 || st.LagSeconds != 0 || st.LastError != "" || !st.Connected {
		t.Fatalf("Status after the outage = %+v, want caught up and connected", st)
	}
	checkReplay(t, replay(t, js, int(n)), readLog(t, store))
}

// A publish that succeeded but whose ack was lost (simulated by publishing the event before the
// relay does) is recognised by its Nats-Msg-Id; the relay continues after it.
func TestRelayRecognisesAlreadyPublishedEvent(t *testing.T) {
	srv, _, js := setup(t)
	store := openStore(t, t.TempDir())
	logs := &logBuffer{}
	r := startRelay(t, relay.Config{Log: store, JetStream: js, Logger: logs.logger()})
	appendEvents(t, store, 10)
	waitPublished(t, r, 10)

	data := newEventData(10)
	data.Time = data.Time.Round(0)
	stored := eventstore.Event{
		ID: data.ID, Stream: testLedger + "/customers/999", Version: 1, Position: 11, Type: data.Type,
		SchemaVersion: data.SchemaVersion, Time: data.Time, Actor: data.Actor,
		CorrelationID: data.CorrelationID, CausationID: data.CausationID, Data: data.Data,
	}
	msg, err := wire.NewMessage(stored)
	if err != nil {
		t.Fatalf("NewMessage: %v", err)
	}
	msg.Metadata.Set(wire.HeaderExpectedStream, relay.DefaultStreamName)
	pub, err := relay.NewAsyncPublisher(connect(t, srv.ClientURL()), relay.AsyncPublisherConfig{})
	if err != nil {
		t.Fatalf("NewAsyncPublisher: %v", err)
	}
	defer pub.Close()
	if err := pub.Publish("", msg); err != nil {
		t.Fatalf("publishing position 11 ahead of the relay: %v", err)
	}
	res, err := store.Append(context.Background(), eventstore.AppendRequest{
		Stream: stored.Stream, ExpectedVersion: eventstore.NoStream, Events: []eventstore.EventData{data},
	})
	if err != nil || res.FirstPosition != 11 {
		t.Fatalf("Append = %+v, %v; want position 11", res, err)
	}
	appendEvents(t, store, 10)
	waitPublished(t, r, 21)

	checkReplay(t, replay(t, js, 21), readLog(t, store))
	if st := r.Status(); st.LastError != "" {
		t.Fatalf("LastError = %q after recovering", st.LastError)
	}
	if !strings.Contains(logs.String(), "already in the stream") {
		t.Fatalf("no log line about the already published event; logs:\n%s", logs)
	}
	if err := r.stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
}

// A stream whose last sequence is beyond the log's head belongs to another history: refused.
func TestRelayRefusesStreamAheadOfLog(t *testing.T) {
	_, _, js := setup(t)
	first := openStore(t, t.TempDir())
	appendEvents(t, first, 5)
	r := startRelay(t, relay.Config{Log: first, JetStream: js})
	waitPublished(t, r, 5)
	if err := r.stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}

	for _, n := range []int{0, 3} {
		other := openStore(t, t.TempDir())
		appendEvents(t, other, n)
		r := startRelay(t, relay.Config{Log: other, JetStream: js})
		err := r.wait()
		var conflict *relay.ConflictError
		if !errors.Is(err, relay.ErrStreamAhead) || !errors.As(err, &conflict) {
			t.Fatalf("log with %d events: Run = %v, want ErrStreamAhead", n, err)
		}
		if conflict.Sequence != 5 || conflict.LogHead != uint64(n) {
			t.Fatalf("conflict = %+v, want sequence 5, log head %d", conflict, n)
		}
		if st := r.Status(); !strings.Contains(st.LastError, "ahead") {
			t.Fatalf("LastError = %q", st.LastError)
		}
	}
}

// A message that is not the log's event at its position, found while running or on start: refused.
func TestRelayRefusesForeignMessage(t *testing.T) {
	_, nc, js := setup(t)
	store := openStore(t, t.TempDir())
	r := startRelay(t, relay.Config{Log: store, JetStream: js})
	appendEvents(t, store, 3)
	waitPublished(t, r, 3)

	if _, err := js.Publish(context.Background(), "ledger.customer.v1.1000.1.CustomerCreated", []byte(`{}`)); err != nil {
		t.Fatalf("foreign publish: %v", err)
	}
	appendEvents(t, store, 1)
	err := r.wait()
	var conflict *relay.ConflictError
	if !errors.Is(err, relay.ErrForeignMessage) || !errors.As(err, &conflict) {
		t.Fatalf("Run = %v, want ErrForeignMessage", err)
	}
	if conflict.Sequence != 4 || conflict.MsgID != "" || conflict.ExpectedID != readLog(t, store)[3].ID.String() {
		t.Fatalf("conflict = %+v", conflict)
	}
	if got := r.Status().Published; got != 3 {
		t.Fatalf("Published = %d after the conflict, want 3", got)
	}

	// On start, too; and with a foreign Nats-Msg-Id.
	if _, err := js.Publish(context.Background(), "ledger.customer.v1.1000.1.CustomerCreated", []byte(`{}`),
		jetstream.WithMsgID(uuid.NewString())); err != nil {
		t.Fatalf("foreign publish: %v", err)
	}
	appendEvents(t, store, 1)
	r2 := startRelay(t, relay.Config{Log: store, JetStream: newJetStream(t, nc)})
	if err := r2.wait(); !errors.Is(err, relay.ErrForeignMessage) {
		t.Fatalf("Run on start = %v, want ErrForeignMessage", err)
	}
}

// plainPublisher hides AsyncPublisher's Send: the relay sees only a message.Publisher.
type plainPublisher struct {
	inner *relay.AsyncPublisher
	calls atomic.Int64
}

func (p *plainPublisher) Publish(topic string, msgs ...*message.Message) error {
	p.calls.Add(1)
	return p.inner.Publish(topic, msgs...)
}

func (p *plainPublisher) Close() error { return p.inner.Close() }

// Any Watermill publisher works (one batch in flight at a time); and a missing stream is waited
// for, with the error in Status, rather than fatal.
func TestRelayWithPlainPublisherWaitsForStream(t *testing.T) {
	srv := startServer(t, t.TempDir(), -1)
	nc := connect(t, srv.ClientURL())
	js := newJetStream(t, nc)
	store := openStore(t, t.TempDir())
	appendEvents(t, store, 40)
	pub := &plainPublisher{inner: newPublisher(t, nc)}
	r := startRelay(t, relay.Config{Log: store, JetStream: js, Publisher: pub, MaxInFlight: 8})
	waitFor(t, "Status to report the missing stream", func() bool {
		return strings.Contains(r.Status().LastError, "stream not found")
	})
	if err := relay.EnsureStream(context.Background(), js, relay.StreamConfig{}); err != nil {
		t.Fatalf("EnsureStream: %v", err)
	}
	waitPublished(t, r, 40)
	appendEvents(t, store, 20)
	waitPublished(t, r, 60)
	checkReplay(t, replay(t, js, 60), readLog(t, store))
	if pub.calls.Load() < 60/8 {
		t.Fatalf("%d Publish calls for 60 events with MaxInFlight 8", pub.calls.Load())
	}
	if st := r.Status(); st.LastError != "" {
		t.Fatalf("LastError = %q", st.LastError)
	}
}

// A machine crash loses the unsynced tail of an embedded server's stream (ledgerd fsyncs it
// periodically, not per message). Simulated by restoring a copy of the JetStream store taken
// earlier: the running relay finds the stream behind its cursor and republishes the lost events
// from the log, and a relay started afresh on another lost tail does the same; in both cases the
// stream ends equal to the log, each event once, in order.
func TestRelayRefillsAStreamThatLostItsTail(t *testing.T) {
	dir := t.TempDir()
	srv := startServer(t, dir, -1)
	port := serverPort(t, srv)
	js := newJetStream(t, connect(t, srv.ClientURL()))
	if err := relay.EnsureStream(context.Background(), js, relay.StreamConfig{}); err != nil {
		t.Fatalf("EnsureStream: %v", err)
	}
	store := openStore(t, t.TempDir())

	appendEvents(t, store, 60)
	r := startRelay(t, relay.Config{Log: store, JetStream: js, MaxInFlight: 16})
	waitPublished(t, r, 60)
	srv.Shutdown()
	srv.WaitForShutdown()
	synced := filepath.Join(t.TempDir(), "synced")
	copyDir(t, dir, synced) // what reached the disk

	srv = startServer(t, dir, port)
	appendEvents(t, store, 40)
	waitPublished(t, r, 100)
	srv.Shutdown()
	srv.WaitForShutdown()
	restoreDir(t, synced, dir) // the crash: events 61–100 never reached the disk

	srv = startServer(t, dir, port)
	appendEvents(t, store, 10)
	waitPublished(t, r, 110)
	checkReplay(t, replay(t, js, 110), readLog(t, store))
	if err := r.stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}

	// Again, with the process restarted too: a new relay without a cursor.
	srv.Shutdown()
	srv.WaitForShutdown()
	restoreDir(t, synced, dir)
	srv = startServer(t, dir, port)
	r2 := startRelay(t, relay.Config{Log: store, JetStream: js, MaxInFlight: 16})
	waitPublished(t, r2, 110)
	checkReplay(t, replay(t, js, 110), readLog(t, store))
}

// An idle relay (nothing new in the log) whose NATS server comes back on a store that lost its
// unsynced tail republishes the lost events as soon as its connection is back — not at the next
// write to the log, which on a quiet ledger may be hours away while readers and consumers wait
// for events the stream acknowledged and lost.
func TestIdleRelayRefillsAStreamThatLostItsTail(t *testing.T) {
	dir := t.TempDir()
	srv := startServer(t, dir, -1)
	port := serverPort(t, srv)
	js := newJetStream(t, connect(t, srv.ClientURL()))
	if err := relay.EnsureStream(context.Background(), js, relay.StreamConfig{}); err != nil {
		t.Fatalf("EnsureStream: %v", err)
	}
	store := openStore(t, t.TempDir())
	appendEvents(t, store, 20)
	r := startRelay(t, relay.Config{Log: store, JetStream: js, MaxInFlight: 16})
	waitPublished(t, r, 20)
	srv.Shutdown()
	srv.WaitForShutdown()
	synced := filepath.Join(t.TempDir(), "synced")
	copyDir(t, dir, synced) // what reached the disk

	srv = startServer(t, dir, port)
	appendEvents(t, store, 10)
	waitPublished(t, r, 30)
	srv.Shutdown()
	srv.WaitForShutdown()
	restoreDir(t, synced, dir) // the crash: events 21–30 never reached the disk

	srv = startServer(t, dir, port) // and nothing more is written
	waitFor(t, "the stream to hold the log again", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		st, err := js.Stream(ctx, relay.DefaultStreamName)
		if err != nil {
			return false
		}
		info, err := st.Info(ctx)
		return err == nil && info.State.LastSeq == 30
	})
	checkReplay(t, replay(t, js, 30), readLog(t, store))
}

// copyDir copies the regular files and directories under src to dst.
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatalf("copying %s: %v", src, err)
	}
}

// restoreDir replaces dst's contents with a copy of src.
func restoreDir(t *testing.T, src, dst string) {
	t.Helper()
	if err := os.RemoveAll(dst); err != nil {
		t.Fatal(err)
	}
	copyDir(t, src, dst)
}

// A stream that disappears while the relay runs (a NATS server that lost its store, a deleted
// stream) is created again from Config.Create and refilled from the log: every event once, in
// log order, at its position. Without Create it would be retried forever.
func TestRelayRecreatesAMissingStream(t *testing.T) {
	_, _, js := setup(t)
	store := openStore(t, t.TempDir())
	appendEvents(t, store, 40)
	r := startRelay(t, relay.Config{Log: store, JetStream: js, MaxInFlight: 16, Create: &relay.StreamConfig{}})
	waitPublished(t, r, 40)

	if err := js.DeleteStream(context.Background(), relay.DefaultStreamName); err != nil {
		t.Fatal(err)
	}
	appendEvents(t, store, 10)
	waitFor(t, "the stream to be refilled", func() bool {
		s, err := js.Stream(context.Background(), relay.DefaultStreamName)
		return err == nil && s.CachedInfo().State.LastSeq == 50
	})
	waitPublished(t, r, 50)
	checkReplay(t, replay(t, js, 50), readLog(t, store))

	if err := (relay.Config{Log: store, JetStream: js, Stream: "OTHER", Create: &relay.StreamConfig{}}).Validate(); err == nil ||
		!strings.Contains(err.Error(), "Create names stream") {
		t.Errorf("Validate of a Create naming another stream = %v", err)
	}
}
