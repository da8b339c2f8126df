package eventstore

import (
	"path/filepath"
	"testing"

	"github.com/nordledger/ledger/internal/keyindex"
	bolt "go.etcd.io/bbolt"
)

// TestLoadClaimsOneTransaction: the claims are read into the look-up in one read transaction —
// the bucket's sequence, the hint for the map's size, comes from the transaction that reads the
// claims, not from one begun for it before (two snapshots, and a transaction more at each open).
func TestLoadClaimsOneTransaction(t *testing.T) {
	db, err := bolt.Open(filepath.Join(t.TempDir(), "claims.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket(bucketClaims)
		if err != nil {
			return err
		}
		for i := range 100 {
			n, err := b.NextSequence()
			if err != nil {
				return err
			}
			if err := b.Put(u64(n), claimRecord("customer-1000", "natid/"+string(rune('a'+i%26))+string(rune('a'+i/26)))); err != nil {
				return err
			}
		}
		return b.Delete(u64(7)) // a released claim
	}); err != nil {
		t.Fatal(err)
	}
	var index keyindex.Index
	before := db.Stats().TxN
	if err := loadClaims(db, &index); err != nil {
		t.Fatal(err)
	}
	if n := db.Stats().TxN - before; n != 1 {
		t.Errorf("loadClaims began %d read transactions, want 1", n)
	}
	if index.Len() != 99 {
		t.Errorf("the look-up holds %d keys, want 99", index.Len())
	}
	if n, ok := index.Lookup(keyindex.Of([]byte("natid/ba"))); !ok || n != 2 {
		t.Errorf("Lookup(natid/ba) = %d, %v; want 2, true", n, ok)
	}
}
