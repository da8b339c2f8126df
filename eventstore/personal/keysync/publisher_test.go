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
