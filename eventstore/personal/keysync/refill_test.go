package keysync_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/nordledger/ledger/eventstore/personal"
	"github.com/nordledger/ledger/eventstore/personal/keysync"
)

// TestPublisherRefillsALostBucket: when the NATS store is lost (a new, empty volume; a power loss
// before the server's fsync), the key store still marks its keys published; the publisher finds
// the bucket holding fewer entries than the store has records and publishes every key again —
// readers would otherwise wait forever for the keys of every customer created before the loss.
// The tombstone of a destroyed key is published again too.
func TestPublisherRefillsALostBucket(t *testing.T) {
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
	const n = 300 // more than one batch of records
	for i := range n {
		if _, err := keys.DataKey(ctx, fmt.Sprintf("1000/customers/%d", i), true); err != nil {
			t.Fatal(err)
		}
	}
	if err := keys.Destroy(ctx, "1000/customers/7"); err != nil {
		t.Fatal(err)
	}
	first := jetStream(t, filepath.Join(dir, "nats"))
	pub, err := keysync.NewPublisher(keysync.PublisherConfig{Keys: keys, JetStream: first, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if err := pub.PublishPending(ctx); err != nil {
		t.Fatal(err)
	}
	if left, _ := keys.Pending(10); len(left) > 0 {
		t.Fatalf("%d keys not published", len(left))
	}
	// The NATS store is lost: the writer now publishes to a server with an empty store.
	second := jetStream(t, filepath.Join(dir, "nats-new"))
	pub, err = keysync.NewPublisher(keysync.PublisherConfig{Keys: keys, JetStream: second, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if err := pub.PublishPending(ctx); err != nil {
		t.Fatal(err)
	}
	kv, err := keysync.Bucket(ctx, second, keysync.DefaultBucket, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{0, 1, 150, n - 1} {
		subject := fmt.Sprintf("1000/customers/%d", i)
		if _, err := kv.Get(ctx, keysync.EntryKey(subject)); err != nil {
			t.Errorf("the key of %s is not on the new key bus: %v", subject, err)
		}
	}
	stream, err := second.Stream(ctx, "KV_"+keysync.DefaultBucket)
	if err != nil {
		t.Fatal(err)
	}
	info, err := stream.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != n {
		t.Errorf("the new key bus holds %d entries, want %d (every key and the tombstone)", info.State.Msgs, n)
	}
	// Opened again with nothing lost, the publisher publishes nothing more.
	last := info.State.LastSeq
	pub, err = keysync.NewPublisher(keysync.PublisherConfig{Keys: keys, JetStream: second, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if err := pub.PublishPending(ctx); err != nil {
		t.Fatal(err)
	}
	if info, err := stream.Info(ctx); err != nil || info.State.LastSeq != last || info.State.Msgs != n {
		t.Errorf("after a second open with nothing lost: %+v, %v; want nothing published (last sequence %d)", info.State, err, last)
	}
}
