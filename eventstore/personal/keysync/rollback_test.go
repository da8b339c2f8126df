package keysync_test

import (
	"bytes"
	"context"
	"log/slog"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nordledger/ledger/eventstore/personal"
	"github.com/nordledger/ledger/eventstore/personal/keysync"
	"github.com/nordledger/ledger/eventstore/relay"
)

// natsAt runs a NATS server on storeDir and returns a JetStream client of it and its shutdown.
func natsAt(t *testing.T, storeDir string) (jetstream.JetStream, func()) {
	t.Helper()
	s, err := relay.StartEmbedded(relay.EmbeddedConfig{StoreDir: storeDir, Port: -1, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	nc, err := nats.Connect(s.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	var stopped bool
	stop := func() {
		if !stopped {
			stopped = true
			nc.Close()
			s.Shutdown()
			s.WaitForShutdown()
		}
	}
	t.Cleanup(stop)
	return js, stop
}

// TestPublisherRepublishesARolledBackBucket: the NATS store loses messages it had acknowledged
// — a power loss before the server's fsync (the embedded server syncs every second by default),
// a volume restored from a snapshot — among them a forgotten customer's tombstone, while the key
// store keeps its marks (the tombstone published). The bucket then holds as many entries as
// before, one of them the forgotten customer's wrapped key. The publisher must see that the
// stream ends before what it acknowledged and publish the tombstone again: afterwards the
// bucket's entry is the tombstone and the NATS store holds no copy of the wrapped key.
func TestPublisherRepublishesARolledBackBucket(t *testing.T) {
	dir := t.TempDir()
	ring, err := personal.ParseMasterKeys(masterKey)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "keys.db")
	keys, err := personal.OpenStore(path, ring, personal.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	subjects := []string{"1000/customers/1", "1000/customers/2", "1000/customers/3"}
	for _, s := range subjects {
		if _, err := keys.DataKey(ctx, s, true); err != nil {
			t.Fatal(err)
		}
	}
	gone, _, _ := keys.Record(subjects[1])
	publish := func(js jetstream.JetStream) {
		t.Helper()
		pub, err := keysync.NewPublisher(keysync.PublisherConfig{Keys: keys, JetStream: js, Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		if err := pub.PublishPending(ctx); err != nil {
			t.Fatal(err)
		}
		if left, _ := keys.Pending(10); len(left) > 0 {
			t.Fatalf("%d changes not published", len(left))
		}
	}
	live, synced := filepath.Join(dir, "nats"), filepath.Join(dir, "nats-synced")
	js, stop := natsAt(t, live)
	publish(js)
	stop()
	// What the disk holds of the NATS store when the power goes: everything up to here.
	if out, err := exec.Command("cp", "-a", live, synced).CombinedOutput(); err != nil {
		t.Fatalf("copying the NATS store: %v\n%s", err, out)
	}

	// The customer is forgotten; the tombstone is published and marked so — in the key store's
	// file, too (closed and opened again, as a restarted writer).
	js, stop = natsAt(t, live)
	if err := keys.Destroy(ctx, subjects[1]); err != nil {
		t.Fatal(err)
	}
	publish(js)
	stop()
	if err := keys.Close(); err != nil {
		t.Fatal(err)
	}
	if keys, err = personal.OpenStore(path, ring, personal.StoreOptions{}); err != nil {
		t.Fatal(err)
	}
	defer keys.Close()

	// The power comes back: the NATS store is as it was last synced.
	js, stop = natsAt(t, synced)
	publish(js)
	kv, err := keysync.Bucket(ctx, js, keysync.DefaultBucket, 1)
	if err != nil {
		t.Fatal(err)
	}
	e, err := kv.Get(ctx, keysync.EntryKey(subjects[1]))
	if err != nil {
		t.Fatal(err)
	}
	if r, err := keysync.DecodeEntry(subjects[1], e.Value()); err != nil || !r.Destroyed {
		t.Errorf("the forgotten customer's entry on the key bus after the NATS store rolled back: %+v (%v); want the tombstone", r, err)
	}
	for _, s := range []string{subjects[0], subjects[2]} {
		if e, err := kv.Get(ctx, keysync.EntryKey(s)); err != nil {
			t.Errorf("%s is not on the key bus: %v", s, err)
		} else if r, err := keysync.DecodeEntry(s, e.Value()); err != nil || r.Destroyed || len(r.Wrapped) == 0 {
			t.Errorf("%s on the key bus: %+v %v", s, r, err)
		}
	}
	stop()
	checkNoWrappedKey(t, synced, gone.Wrapped) // forget_cut_test.go
}

// TestPublisherRefillsALostBucketOnce: a bucket lost whole (its stream deleted, a new volume) is
// filled again once; its new stream's sequences start again from 1, below what the key store
// recorded as acknowledged, and the publisher must not take that for a rollback and publish every
// key again at every later open.
func TestPublisherRefillsALostBucketOnce(t *testing.T) {
	dir := t.TempDir()
	ring, err := personal.ParseMasterKeys(masterKey)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := personal.OpenStore(filepath.Join(dir, "keys.db"), ring, personal.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer keys.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, s := range []string{"1000/customers/1", "1000/customers/2", "1000/customers/3"} {
		if _, err := keys.DataKey(ctx, s, true); err != nil {
			t.Fatal(err)
		}
	}
	js, _ := natsAt(t, filepath.Join(dir, "nats"))
	var logs bytes.Buffer
	publish := func() {
		t.Helper()
		pub, err := keysync.NewPublisher(keysync.PublisherConfig{Keys: keys, JetStream: js, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		if err != nil {
			t.Fatal(err)
		}
		if err := pub.PublishPending(ctx); err != nil {
			t.Fatal(err)
		}
	}
	publish()
	if err := keys.Destroy(ctx, "1000/customers/2"); err != nil {
		t.Fatal(err)
	}
	publish() // the tombstone: the stream's fourth message
	if err := js.DeleteStream(ctx, "KV_"+keysync.DefaultBucket); err != nil {
		t.Fatal(err)
	}
	publish() // every record again: three messages
	logs.Reset()
	publish()
	publish()
	if strings.Contains(logs.String(), "publishing every key again") {
		t.Errorf("the bucket filled again is filled again at every open:\n%s", logs.String())
	}
}

// TestIdlePublisherChecksABusThatCameBack: an idle publisher (no new keys) whose NATS server
// comes back on a store that lost what it acknowledged — a forgotten customer's tombstone, the
// wrapped key back in the bucket — publishes the tombstone again as soon as its connection is
// back, not at its next idle round (30 s; here an hour, so the test waits on the reconnect
// alone).
func TestIdlePublisherChecksABusThatCameBack(t *testing.T) {
	f := newForgetFixture(t)
	live, synced := filepath.Join(f.dir, "nats"), filepath.Join(f.dir, "nats-synced")
	b := startBus(t, live)
	js, _ := b.connect()
	pub := f.publisher(t, js)
	pub.SetIdle(time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	if d, ok := t.Deadline(); ok {
		ctx, cancel = context.WithDeadline(context.Background(), d.Add(-5*time.Second))
	}
	ran := make(chan struct{})
	go func() { defer close(ran); pub.Run(ctx) }()
	defer func() { cancel(); <-ran }()

	// entry polls the bucket until subject's entry is destroyed (or live), or ctx ends.
	entry := func(subject string, destroyed bool) {
		t.Helper()
		for {
			if kv, err := js.KeyValue(ctx, keysync.DefaultBucket); err == nil {
				if e, err := kv.Get(ctx, keysync.EntryKey(subject)); err == nil {
					if r, err := keysync.DecodeEntry(subject, e.Value()); err == nil && r.Destroyed == destroyed {
						return
					}
				}
			}
			select {
			case <-ctx.Done():
				t.Fatalf("%s's entry on the key bus never became destroyed=%v", subject, destroyed)
			case <-time.After(10 * time.Millisecond):
			}
		}
	}
	for _, s := range f.subjects {
		entry(s, false)
	}
	gone, _, _ := f.keys.Record(f.subjects[1])

	b.stop() // the store as synced to disk: the three keys
	copyDir(t, live, synced)
	b.start(live)
	if err := f.keys.Destroy(ctx, f.subjects[1]); err != nil {
		t.Fatal(err)
	}
	entry(f.subjects[1], true)
	for { // the tombstone marked published: the key store records its sequence
		if left, err := f.keys.Pending(10); err == nil && len(left) == 0 {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatal("the tombstone was never marked published")
		case <-time.After(10 * time.Millisecond):
		}
	}

	b.stop() // a power loss: the server comes back on what its disk held, without the tombstone
	b.start(synced)
	entry(f.subjects[1], true)
	checkBus(t, js, f, f.subjects[1])
	cancel()
	<-ran
	b.stop()
	checkNoWrappedKey(t, synced, gone.Wrapped)
}
