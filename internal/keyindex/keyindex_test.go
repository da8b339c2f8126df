package keyindex_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/nordledger/ledger/internal/keyindex"
	bolt "go.etcd.io/bbolt"
)

// TestIndexFollowsCommits: the map changes when a transaction commits, in the order its changes
// were made, never when one rolls back; a delete of a number the key no longer maps to leaves it;
// a reload drops the map until it is read again, and a read keeps the last entry of a key.
func TestIndexFollowsCommits(t *testing.T) {
	db, err := bolt.Open(filepath.Join(t.TempDir(), "k.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var x keyindex.Index
	if _, ok := x.Lookup(keyindex.Of([]byte("k"))); ok || x.Loaded() {
		t.Fatal("an index not read finds a key")
	}
	if err := x.Load(func(func([]byte, uint64)) error { return nil }); err != nil || !x.Loaded() {
		t.Fatalf("Load: %v, loaded %v", err, x.Loaded())
	}
	d := keyindex.Of([]byte("k"))
	errRollBack := errors.New("roll back")
	update := func(commit bool, f func(tx *bolt.Tx)) {
		t.Helper()
		err := db.Update(func(tx *bolt.Tx) error {
			f(tx)
			if !commit {
				return errRollBack
			}
			return nil
		})
		if commit != (err == nil) {
			t.Fatal(err)
		}
	}
	want := func(n uint64, ok bool) {
		t.Helper()
		if got, found := x.Lookup(d); got != n || found != ok {
			t.Fatalf("Lookup = %d, %v; want %d, %v", got, found, n, ok)
		}
	}
	update(false, func(tx *bolt.Tx) { x.SetOnCommit(tx, d, 1) })
	want(0, false)
	update(true, func(tx *bolt.Tx) { x.SetOnCommit(tx, d, 1) })
	want(1, true)
	update(true, func(tx *bolt.Tx) { x.DeleteOnCommit(tx, d, 1); x.SetOnCommit(tx, d, 2) }) // released, claimed again
	want(2, true)
	update(true, func(tx *bolt.Tx) { x.DeleteOnCommit(tx, d, 1) }) // a number it no longer maps to
	want(2, true)
	update(false, func(tx *bolt.Tx) { x.DeleteOnCommit(tx, d, 2) })
	want(2, true)
	update(true, func(tx *bolt.Tx) { x.DeleteOnCommit(tx, d, 2) })
	want(0, false)

	update(true, func(tx *bolt.Tx) { x.ReloadOnCommit(tx) })
	if x.Loaded() {
		t.Fatal("the map was kept after a reload")
	}
	if err := x.Load(func(add func([]byte, uint64)) error { add([]byte("k"), 5); add([]byte("k"), 7); return nil }); err != nil {
		t.Fatal(err)
	}
	want(7, true)
	if x.Len() != 1 {
		t.Fatalf("Len = %d, want 1", x.Len())
	}
}

// TestLoadView: the size hint and the entries come from one read transaction, and a read that
// adds nothing still leaves the index read (an empty map, not nil).
func TestLoadView(t *testing.T) {
	db, err := bolt.Open(filepath.Join(t.TempDir(), "k.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var x keyindex.Index
	var sizeTx, readTx *bolt.Tx
	err = x.LoadView(db, func(tx *bolt.Tx) int { sizeTx = tx; return 2 }, func(tx *bolt.Tx, add func([]byte, uint64)) error {
		readTx = tx
		add([]byte("a"), 1)
		add([]byte("b"), 2)
		return nil
	})
	if err != nil || sizeTx == nil || sizeTx != readTx || x.Len() != 2 {
		t.Fatalf("LoadView: %v, one transaction %v, Len %d", err, sizeTx != nil && sizeTx == readTx, x.Len())
	}
	var empty keyindex.Index
	if err := empty.LoadView(db, func(*bolt.Tx) int { return 0 }, func(*bolt.Tx, func([]byte, uint64)) error { return nil }); err != nil || !empty.Loaded() {
		t.Fatalf("LoadView of nothing: %v, loaded %v", err, empty.Loaded())
	}
}

// BenchmarkLoad reads a million keys into the index, with the map made for them (sized) and
// grown as it reads (unsized), as the event store's claims are read at start.
func BenchmarkLoad(b *testing.B) {
	const n = 1 << 20
	keys := make([][]byte, n)
	for i := range keys {
		keys[i] = fmt.Appendf(nil, "natid/1000/%064x", i)
	}
	read := func(add func([]byte, uint64)) error {
		for i, k := range keys {
			add(k, uint64(i+1))
		}
		return nil
	}
	for _, size := range []int{0, n} {
		name := "unsized"
		if size > 0 {
			name = "sized"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var x keyindex.Index
				if err := x.LoadSized(size, read); err != nil || x.Len() != n {
					b.Fatal(err, x.Len())
				}
			}
		})
	}
}
