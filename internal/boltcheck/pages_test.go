package boltcheck_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nordledger/ledger/internal/boltcheck"
	bolt "go.etcd.io/bbolt"
)

// treePages returns the branch and leaf pages a reader reaches in the file at path, by id, with
// their kind, as bbolt itself reports them.
func treePages(t *testing.T, path string) map[uint64]string {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, PreLoadFreelist: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	out := map[uint64]string{}
	err = db.View(func(tx *bolt.Tx) error {
		for id := 2; ; id++ {
			p, err := tx.Page(id)
			if err != nil || p == nil {
				return err
			}
			if p.Type == "branch" || p.Type == "leaf" {
				out[uint64(p.ID)] = p.Type
			}
			id += p.OverflowCount
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestFindDamageUndamaged(t *testing.T) {
	if err := boltcheck.FindDamage(newFile(t)); err != nil {
		t.Fatalf("an undamaged file: %v", err)
	}
}

// TestCheckNamesTheDamagedPage: whichever branch or leaf page is damaged — its elements
// overwritten, its header's element count, its id — a Check that fails names that page, never
// only bbolt's "nil pointer dereference" or "slice bounds out of range".
func TestCheckNamesTheDamagedPage(t *testing.T) {
	clean := newFile(t)
	original, err := os.ReadFile(clean)
	if err != nil {
		t.Fatal(err)
	}
	pages := treePages(t, clean)
	if len(pages) < 10 {
		t.Fatalf("only %d tree pages", len(pages))
	}
	damages := map[string]func(p []byte){
		"elements 0xFF":   func(p []byte) { copy(p[16:], bytes.Repeat([]byte{0xFF}, len(p)-16)) },
		"elements 0x5A":   func(p []byte) { copy(p[16:], bytes.Repeat([]byte{0x5A}, len(p)-16)) },
		"elements zeroed": func(p []byte) { clear(p[16:]) },
		"count 0xFFFF":    func(p []byte) { binary.NativeEndian.PutUint16(p[10:], 0xFFFF) },
		"page zeroed":     func(p []byte) { clear(p) },
		"type 0x03":       func(p []byte) { binary.NativeEndian.PutUint16(p[8:], 0x03) },
	}
	// Every branch page, and leaves spread over the file (each leaf damage is like the others).
	ids := slices.Sorted(maps.Keys(pages))
	ids = slices.DeleteFunc(ids, func(id uint64) bool { return pages[id] == "leaf" && id%7 != 0 && id != ids[len(ids)-1] })
	path := clean + ".damaged"
	failed := 0
	for _, id := range ids {
		kind := pages[id]
		for name, damage := range damages {
			b := bytes.Clone(original)
			damage(b[id*4096 : (id+1)*4096])
			if err := os.WriteFile(path, b, 0o600); err != nil {
				t.Fatal(err)
			}
			err := boltcheck.Check(path, time.Second)
			if err == nil {
				continue // damage bbolt reads past (a value's bytes): Check cannot see it
			}
			failed++
			var pe *boltcheck.PageError
			if !errors.As(err, &pe) || !strings.Contains(err.Error(), fmt.Sprintf("page %d (byte %d)", id, id*4096)) {
				t.Errorf("%s page %d, %s: %v (want it named)", kind, id, name, err)
			}
		}
	}
	if failed < len(ids) {
		t.Errorf("Check failed for only %d of %d damages", failed, len(ids)*len(damages))
	}
}
