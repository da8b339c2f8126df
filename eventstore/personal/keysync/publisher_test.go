package keysync_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nordledger/ledger/eventstore/personal"
	"github.com/nordledger/ledger/eventstore/personal/keysync"
	"github.com/nordledger/ledger/eventstore/relay"
)

// TestPublisherPublishesManyNewKeysAtOnce: more new keys than one batch all reach the bus and
// leave the outbox, each key once; a key the bus holds already (its acknowledgement was lost
// before the outbox heard of it) is not put a second time.
func TestPublisherPublishesManyNewKeysAtOnce(t *testing.T) {
	dir := t.TempDir()
	js := jetStream(t, filepath.Join(dir, "nats"))
	ring, _ := personal.ParseMasterKeys(masterKey)
	keys, err := personal.OpenStore(filepath.Join(dir, "keys.db"), ring, personal.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer keys.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	const n = 2*keysync.PendingBatch + 17
	subject := func(i int) string { return fmt.Sprintf("1000/customers/%d", i) }
	for i := range n {
		if _, err := keys.DataKey(ctx, subject(i), true); err != nil {
			t.Fatal(err)
		}
	}
	kv, err := keysync.Bucket(ctx, js, keysync.DefaultBucket, 1)
	if err != nil {
		t.Fatal(err)
	}
	already, _, _ := keys.Record(subject(7))
	v, _ := keysync.EncodeEntry(already)
	if _, err := kv.Put(ctx, keysync.EntryKey(subject(7)), v); err != nil {
		t.Fatal(err)
	}

	pub, _ := keysync.NewPublisher(keysync.PublisherConfig{Keys: keys, JetStream: js, Logger: quiet})
	if err := pub.PublishPending(ctx); err != nil {
		t.Fatal(err)
	}
	if left, _ := keys.Pending(10); len(left) > 0 {
		t.Fatalf("%d records left in the outbox, first %s", len(left), left[0].Subject)
	}
	st, err := js.Stream(ctx, "KV_"+keysync.DefaultBucket)
	if err != nil {
		t.Fatal(err)
	}
	if info, err := st.Info(ctx); err != nil || info.State.LastSeq != n {
		t.Fatalf("the bucket's stream took %d messages for %d keys (%v)", info.State.LastSeq, n, err)
	}
	for i := range n {
		h, err := kv.History(ctx, keysync.EntryKey(subject(i)))
		if err != nil {
			t.Fatalf("%s: %v", subject(i), err)
		}
		if len(h) != 1 {
			t.Fatalf("%s: %d entries on the bus, want 1", subject(i), len(h))
		}
		if i == 7 && h[0].Revision() != 1 {
			t.Fatalf("%s was put again (at %d) although the bus held it", subject(i), h[0].Revision())
		}
		r, err := keysync.DecodeEntry(subject(i), h[0].Value())
		want, _, _ := keys.Record(subject(i))
		if err != nil || r.Rev != 1 || string(r.Wrapped) != string(want.Wrapped) {
			t.Fatalf("%s: bus holds %+v (%v), store %+v", subject(i), r, err, want)
		}
	}
}

// TestPublisherRecoversWhenJetStreamReturns: the embedded JetStream stops storing (nats-server
// shuts it down on some out-of-space paths) while keys are made and destroyed. The changes wait in
// the key store, the publisher says it is stuck, and once a healer has restarted the server every
// change reaches the bus by itself: new keys, and the destroyed key as a tombstone.
func TestPublisherRecoversWhenJetStreamReturns(t *testing.T) {
	dir := t.TempDir()
	emb := relay.EmbeddedConfig{StoreDir: filepath.Join(dir, "nats"), Port: -1, Logger: quiet}
	s, err := relay.StartEmbedded(emb)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Shutdown(); s.WaitForShutdown() })
	nc, err := nats.Connect(s.ClientURL(), nats.MaxReconnects(-1), nats.ReconnectWait(20*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, _ := jetstream.New(nc)
	ring, _ := personal.ParseMasterKeys(masterKey)
	keys, err := personal.OpenStore(filepath.Join(dir, "keys.db"), ring, personal.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer keys.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	subject := func(i int) string { return fmt.Sprintf("1000/customers/%d", i) }
	if _, err := keys.DataKey(ctx, subject(0), true); err != nil {
		t.Fatal(err)
	}

	pub, _ := keysync.NewPublisher(keysync.PublisherConfig{Keys: keys, JetStream: js, StuckAfter: 50 * time.Millisecond, Logger: quiet})
	done := make(chan struct{})
	go func() {
		defer close(done)
		pub.Run(ctx)
	}()
	defer func() { cancel(); <-done }()
	waitUntil(t, "the first key on the bus", func() bool { left, _ := keys.Pending(1); return len(left) == 0 })

	if err := s.ShutdownJetStream(); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 20; i++ {
		if _, err := keys.DataKey(ctx, subject(i), true); err != nil {
			t.Fatal(err)
		}
	}
	if err := keys.Destroy(ctx, subject(0)); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the publisher to say it is stuck", func() bool { _, stuck := pub.Stuck(); return stuck })

	h, err := relay.NewHealer(s, emb, relay.HealerConfig{Interval: 10 * time.Millisecond, MinBackoff: 10 * time.Millisecond, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	healed := make(chan struct{})
	go func() {
		defer close(healed)
		h.Run(ctx)
	}()
	defer func() {
		cancel()
		<-healed
		h.Server().Shutdown() // the server it restarted
		h.Server().WaitForShutdown()
	}()
	waitUntil(t, "every change on the bus", func() bool { left, _ := keys.Pending(1); return len(left) == 0 })
	// The publisher says it is no longer stuck once its round ends (after the last key, it checks
	// that the bus lost nothing): awaited, not asserted at the moment the outbox empties.
	waitUntil(t, "the publisher to say it is no longer stuck", func() bool { _, stuck := pub.Stuck(); return !stuck })
	kv, err := js.KeyValue(ctx, keysync.DefaultBucket)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i <= 20; i++ {
		e, err := kv.Get(ctx, keysync.EntryKey(subject(i)))
		if err != nil {
			t.Fatalf("%s: %v", subject(i), err)
		}
		r, err := keysync.DecodeEntry(subject(i), e.Value())
		if err != nil || r.Destroyed != (i == 0) {
			t.Fatalf("%s on the bus: %+v (%v)", subject(i), r, err)
		}
	}
}

// waitUntil polls cond until it holds; it fails the test when the test's deadline nears (a hang,
// not a timing assertion).
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := waitDeadline(t); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
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
