package personal_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/nordledger/ledger/eventstore/personal"
	bolt "go.etcd.io/bbolt"
)

// damagedKeyStore writes a key store of 200 keys and damages it: "empty" (a failed copy or
// restore), "truncated" (cut after its meta pages: the tree's pages lie beyond the end, where
// bbolt faults) or "page" (a leaf page's elements overwritten: bbolt panics on it). The file is
// left without its clean marker, as any copy or restore leaves it.
func damagedKeyStore(t *testing.T, damage string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "keys.db")
	s := openStore(t, path, ring(t, masterA))
	for i := range 200 {
		dataKey(t, s, fmt.Sprintf("1000/customers/%d", i), true)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	os.Remove(path + ".clean")
	switch damage {
	case "empty":
		if err := os.Truncate(path, 0); err != nil {
			t.Fatal(err)
		}
	case "truncated":
		if err := os.Truncate(path, 8192); err != nil {
			t.Fatal(err)
		}
	case "page":
		leaf := keyStoreLeaf(t, path)
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.WriteAt(bytes.Repeat([]byte{0xFF}, 4096-16), int64(leaf)*4096+16) // the header stays
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	return path
}

// keyStoreLeaf returns the number of a leaf page of the keys bucket.
func keyStoreLeaf(t *testing.T, path string) int {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, PreLoadFreelist: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	leaf := -1
	err = db.View(func(tx *bolt.Tx) error {
		for id := 2; leaf < 0; id++ {
			p, err := tx.Page(id)
			if err != nil || p == nil {
				return fmt.Errorf("no leaf page: %v", err)
			}
			if p.Type == "leaf" && p.Count > 10 {
				leaf = id
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return leaf
}

// TestStoreRefusesDamagedFiles: a key store file that is empty, truncated or has a damaged page
// is refused at open with ErrDamaged — writable (ledgerd's start, an offline rotation) or
// read-only (ledgerctl verify, rebuild, backup) — never a crash of the process (bbolt panics on
// a damaged page and faults beyond the end of a truncated file), and never replaced by a new,
// empty key store, which would leave every sealed event without its key. The file is left as it
// was.
func TestStoreRefusesDamagedFiles(t *testing.T) {
	for _, damage := range []string{"empty", "truncated", "page"} {
		for _, readOnly := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/readOnly=%v", damage, readOnly), func(t *testing.T) {
				path := damagedKeyStore(t, damage)
				before := readFile(t, path)
				s, err := personal.OpenStore(path, ring(t, masterA), personal.StoreOptions{ReadOnly: readOnly})
				if err == nil {
					s.Close()
					t.Fatal("a damaged key store opened")
				}
				if !errors.Is(err, personal.ErrDamaged) {
					t.Errorf("error %v, want ErrDamaged", err)
				}
				t.Log(err)
				if !bytes.Equal(readFile(t, path), before) {
					t.Error("opening the damaged key store changed it")
				}
				if err := personal.CheckFile(path); !errors.Is(err, personal.ErrDamaged) {
					t.Errorf("CheckFile: %v, want ErrDamaged", err)
				}
			})
		}
	}
}

// TestStoreMarkedCleanOpensWithoutWalk: a key store closed cleanly reopens with its keys (the
// walk of its pages skipped), and a compaction in between (a rotation, a forget) leaves a file
// that opens as well.
func TestStoreMarkedCleanOpensWithoutWalk(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.db")
	s := openStore(t, path, ring(t, masterA))
	dataKey(t, s, "1000/customers/1", true)
	dataKey(t, s, "1000/customers/2", true)
	want, _, _ := s.Record("1000/customers/1")
	if err := s.Destroy(ctx, "1000/customers/2"); err != nil { // rewrites the file
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path + ".clean"); err != nil {
		t.Fatalf("no clean marker after a clean close: %v", err)
	}
	s2 := openStore(t, path, ring(t, masterA))
	if _, err := os.Stat(path + ".clean"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the clean marker stays while the store is open for writing: %v", err)
	}
	dataKey(t, s2, "1000/customers/1", false) // unwraps
	if got, _, _ := s2.Record("1000/customers/1"); !bytes.Equal(got.Wrapped, want.Wrapped) {
		t.Error("the key changed across a reopen")
	}
}
