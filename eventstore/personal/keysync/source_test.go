package keysync_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/nordledger/ledger/eventstore/personal"
	"github.com/nordledger/ledger/eventstore/personal/keysync"
)

// TestEvictDuringUnwrapKeepsTheKeyDestroyed: a reader applying a customer's CustomerForgotten
// evicts its key (Source.Evict holds the subject destroyed until the bus's tombstone arrives)
// while a read is unwrapping that key. The read may use the key it began with, but the key must
// not be cached after the eviction: before the fix, unwrap cached it (the evicted record keeps
// the revision), and every later DataKey — the audit routes opening the forgotten customer's
// events — got the key back until the tombstone arrived on the bus.
func TestEvictDuringUnwrapKeepsTheKeyDestroyed(t *testing.T) {
	ctx := context.Background()
	ring, _ := personal.ParseMasterKeys(masterKey)
	keys, err := personal.OpenStore(filepath.Join(t.TempDir(), "keys.db"), ring, personal.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer keys.Close()
	const subject = "1000/customers/1"
	if _, err := keys.DataKey(ctx, subject, true); err != nil {
		t.Fatal(err)
	}
	rec, _, err := keys.Record(subject)
	if err != nil {
		t.Fatal(err)
	}

	// The source starts without the record's master key, so unwrapping it reads the master keys
	// again (Reload): the forget is applied at that moment, in the middle of the unwrap.
	other, _ := personal.ParseMasterKeys("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff000102030405060708090a0b0c0d0e0f")
	var src *keysync.Source
	src, err = keysync.NewSource(keysync.SourceConfig{MasterKeys: other, Logger: quiet,
		Reload: func() (*personal.MasterKeys, error) {
			src.Evict(subject) // the reader applies the customer's CustomerForgotten
			return ring, nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	src.Update(rec) // the key as the bus delivers it
	if _, err := src.DataKey(ctx, subject, false); err != nil {
		t.Fatalf("the read that began before the forget: %v", err)
	}
	if k, err := src.DataKey(ctx, subject, false); !errors.Is(err, personal.ErrKeyDestroyed) {
		t.Fatalf("after the forget the reader still hands out the key (%v, %v)", k != nil, err)
	}
}
