package boltcheck_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nordledger/ledger/internal/boltcheck"
	bolt "go.etcd.io/bbolt"
)

// newFile writes a bbolt file with nested buckets and values of every size, large ones on
// overflow pages, and returns its path.
func newFile(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "test.db")
	db, err := bolt.Open(path, 0o600, &bolt.Options{NoFreelistSync: true})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("outer"))
		if err != nil {
			return err
		}
		inner, err := b.CreateBucket([]byte("inner"))
		if err != nil {
			return err
		}
		for i := range 2000 {
			k := []byte(fmt.Sprintf("key-%05d", i))
			if err := b.Put(k, bytes.Repeat([]byte{byte(i)}, i%300)); err != nil {
				return err
			}
			if err := inner.Put(k, bytes.Repeat([]byte{1}, 1+i%7)); err != nil {
				return err
			}
		}
		return b.Put([]byte("big"), bytes.Repeat([]byte("x"), 64<<10))
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// damages are ways a closed bbolt file gets damaged, by name.
var damages = map[string]func(t *testing.T, path string){
	"scrambled pages": func(t *testing.T, path string) {
		f, _ := os.OpenFile(path, os.O_WRONLY, 0)
		defer f.Close()
		for off := int64(2 * 4096); off < 40*4096; off += 3 * 4096 {
			f.WriteAt(bytes.Repeat([]byte{0x5A}, 4096), off)
		}
	},
	"truncated": func(t *testing.T, path string) { os.Truncate(path, 5*4096) },
	"zeroed meta": func(t *testing.T, path string) {
		f, _ := os.OpenFile(path, os.O_WRONLY, 0)
		defer f.Close()
		f.WriteAt(make([]byte, 8192), 0)
	},
}

func TestCheck(t *testing.T) {
	if err := boltcheck.Check(newFile(t), time.Second); err != nil {
		t.Fatalf("an undamaged file: %v", err)
	}
	if err := boltcheck.Check(filepath.Join(t.TempDir(), "missing.db"), time.Second); err != nil {
		t.Errorf("a missing file: %v", err)
	}
	for name, d := range damages {
		t.Run(name, func(t *testing.T) {
			path := newFile(t)
			d(t, path)
			if err := boltcheck.Check(path, time.Second); err == nil {
				t.Errorf("damage not found")
			} else {
				t.Logf("found: %v", err)
			}
		})
	}
}

func TestCheckLocked(t *testing.T) {
	path := newFile(t)
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := boltcheck.Check(path, 100*time.Millisecond); err != boltcheck.ErrLocked {
		t.Errorf("a file a writer holds: %v, want ErrLocked", err)
	}
}
