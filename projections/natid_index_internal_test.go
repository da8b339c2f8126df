package projections

import (
	"errors"
	"path/filepath"
	"testing"

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
