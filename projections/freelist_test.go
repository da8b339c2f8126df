package projections_test

import (
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/eventstore/personal"
	"github.com/nordledger/ledger/projections"
)

// hasFreelistPage reports whether a closed bbolt file's current meta page names a saved
// free-page list (which an open then reads instead of scanning every page of the file). bbolt's
// meta page: a 16-byte page header, then magic, version, page size, flags (4 bytes each), the
// root bucket (16), the freelist page id (8), the high-water page id (8), the transaction id (8);
// no saved list is page id 2^64-1. Native byte order: little-endian here.
func hasFreelistPage(t *testing.T, path string) bool {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil || len(b) < 8192 {
		t.Fatalf("%s: %v (%d bytes)", path, err, len(b))
	}
	pageSize := int(binary.LittleEndian.Uint32(b[24:]))
	meta := func(page int) (freelist, txid uint64) {
		off := page * pageSize
		return binary.LittleEndian.Uint64(b[off+48:]), binary.LittleEndian.Uint64(b[off+64:])
	}
	f0, tx0 := meta(0)
	f1, tx1 := meta(1)
	if tx1 > tx0 {
		f0 = f1
	}
	return f0 != ^uint64(0)
}

// TestCloseSavesTheFreelist: a cleanly closed projections file, event log and key store hold bbolt's
// free-page list, so the next open need not read the whole file to rebuild it.
func TestCloseSavesTheFreelist(t *testing.T) {
	dir := t.TempDir()
	store, err := eventstore.Open(filepath.Join(dir, "events.db"), eventstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	history(t, store, 10, 50, 2)
	head, _ := store.Head(context.Background())
	db := rebuilt(t, store, filepath.Join(dir, "p.db"), head)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}
	ring, _ := personal.ParseMasterKeys("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
	keys, err := personal.OpenStore(filepath.Join(dir, "keys.db"), ring, personal.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 200 {
		if _, err := keys.DataKey(context.Background(), "1000/customers/"+strconv.Itoa(i), true); err != nil {
			t.Fatal(err)
		}
	}
	if err := keys.Close(); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"p.db", "events.db", "keys.db"} {
		if !hasFreelistPage(t, filepath.Join(dir, f)) {
			t.Errorf("%s: no free-page list after a clean close", f)
		}
	}
	// Both open again as usual, and keep working.
	store, err = eventstore.Open(filepath.Join(dir, "events.db"), eventstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	db, err = projections.OpenDB(filepath.Join(dir, "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if diffs := compare(t, db, rebuilt(t, store, filepath.Join(dir, "again.db"), head)); len(diffs) != 0 {
		t.Errorf("reopened read model differs from a rebuild: %v", diffs)
	}
}
