package projections

import (
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"

	"github.com/nordledger/ledger/internal/keyindex"
	bolt "go.etcd.io/bbolt"
)

// TestNatIndexFollowsCommits: the look-up changes with a transaction that commits, never with
// one that rolls back — a put rolled back leaves no digest behind, a removal rolled back leaves
// the customer found — and a reload drops the map until it is read again.
func TestNatIndexFollowsCommits(t *testing.T) {
	db, err := OpenDB(filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketNatIDs, bucketNatIDOf} {
			if _, err := tx.CreateBucket(b); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var x natIndex
	if err := x.load(db.db); err != nil {
		t.Fatal(err)
	}
	natKey := []byte("natid/1000/0a1b")
	errRollBack := errors.New("roll back")
	update := func(commit bool, f func(tx *bolt.Tx) error) {
		t.Helper()
		err := db.db.Update(func(tx *bolt.Tx) error {
			if err := f(tx); err != nil {
				return err
			}
			if !commit {
				return errRollBack
			}
			return nil
		})
		if commit && err != nil || !commit && !errors.Is(err, errRollBack) {
			t.Fatal(err)
		}
	}
	find := func(want bool) {
		t.Helper()
		no, found, err := x.find(db.db, natKey)
		if err != nil || found != want || found && no != "505" {
			t.Fatalf("find: %q %v %v, want found %v", no, found, err, want)
		}
	}
	put := func(tx *bolt.Tx) error { return x.put(tx, "1000/505", "505", natKey, 7) }
	remove := func(tx *bolt.Tx) error { return x.remove(tx, "1000/505") }

	update(false, put)
	if x.Len() != 0 {
		t.Fatalf("a rolled back put left %d digests in the map", x.Len())
	}
	find(false)
	update(true, put)
	find(true)
	update(false, remove)
	find(true)
	update(true, remove)
	find(false)
	if x.Len() != 0 {
		t.Fatalf("a committed removal left %d digests in the map", x.Len())
	}

	update(true, put)
	update(true, func(tx *bolt.Tx) error { x.reload(tx); return nil })
	if x.Loaded() {
		t.Fatal("the map was kept after a reload")
	}
	find(true) // read again from the file
}

// natIDsDB returns a read model file whose national-identifier index holds n entries.
func natIDsDB(tb testing.TB, n int) *bolt.DB {
	tb.Helper()
	db, err := OpenDB(filepath.Join(tb.TempDir(), "p.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	for i := 0; i < n; {
		if err := db.db.Update(func(tx *bolt.Tx) error {
			b, err := tx.CreateBucketIfNotExists(bucketNatIDs)
			if err != nil {
				return err
			}
			b.FillPercent = 1.0
			for end := min(i+10000, n); i < end; i++ {
				natKey := fmt.Appendf(nil, "natid/1000/%064x", i)
				if err := b.Put(natPosKey(uint64(3*i+1)), natEntry(natKey, strconv.Itoa(100000+i))); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			tb.Fatal(err)
		}
	}
	return db.db
}

// BenchmarkNatIndexLoad reads 100k customers' national-identifier index into its map, as the
// runner's start does (go test -run '^$' -bench NatIndexLoad -benchtime 20x ./projections).
func BenchmarkNatIndexLoad(b *testing.B) {
	const n = 100_000
	db := natIDsDB(b, n)
	b.ReportAllocs()
	for b.Loop() {
		var x natIndex
		if err := x.load(db); err != nil || x.Len() != n {
			b.Fatal(err, x.Len())
		}
	}
}

// TestNatIndexLoadAllocates: reading the index allocates about the map it makes — made with room
// for the bucket's entries, not grown step by step (twice the memory, BenchmarkNatIndexLoad) — and
// nothing per entry.
func TestNatIndexLoadAllocates(t *testing.T) {
	const n = 20_000
	db := natIDsDB(t, n)
	allocated := func(f func()) uint64 {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		f()
		runtime.ReadMemStats(&after)
		return after.TotalAlloc - before.TotalAlloc
	}
	var m map[keyindex.Digest]uint64
	made := allocated(func() { m = make(map[keyindex.Digest]uint64, n) })
	_ = m
	loaded := ^uint64(0)
	for range 3 { // the least of three: another goroutine's allocations only add
		var x natIndex
		loaded = min(loaded, allocated(func() {
			if err := x.load(db); err != nil || x.Len() != n {
				t.Fatal(err, x.Len())
			}
		}))
	}
	if loaded > made+made/4+64<<10 {
		t.Errorf("loading %d entries allocated %d bytes; a map made for them takes %d", n, loaded, made)
	}
}
