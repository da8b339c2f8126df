package boltcheck_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nordledger/ledger/internal/boltcheck"
)

// TestCleanMarker: a file exactly as its clean close left it is not walked; any change since —
// written in place (damaged), truncated, replaced by a copy, or opened by a writer (marker
// forgotten) — has it walked again, and damage found.
func TestCleanMarker(t *testing.T) {
	checked := func(t *testing.T, path string) (bool, error) {
		t.Helper()
		return boltcheck.CheckUnlessClean(path, time.Second)
	}
	t.Run("unchanged", func(t *testing.T) {
		path := newFile(t)
		if c, err := checked(t, path); !c || err != nil {
			t.Fatalf("without a marker: checked %v, %v", c, err)
		}
		if err := boltcheck.MarkClean(path); err != nil {
			t.Fatal(err)
		}
		if c, err := checked(t, path); c || err != nil {
			t.Fatalf("marked clean: checked %v, %v", c, err)
		}
		// Renamed with its marker: still clean; the marker describes the file it came with.
		moved := filepath.Join(filepath.Dir(path), "moved.db")
		if err := boltcheck.Rename(path, moved); err != nil {
			t.Fatal(err)
		}
		if c, err := checked(t, moved); c || err != nil {
			t.Fatalf("renamed: checked %v, %v", c, err)
		}
		if err := boltcheck.ForgetClean(moved); err != nil {
			t.Fatal(err)
		}
		if c, _ := checked(t, moved); !c {
			t.Fatal("a writer opened it (marker forgotten), and it was not walked")
		}
		if err := boltcheck.Remove(moved); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(moved + ".clean"); !os.IsNotExist(err) {
			t.Fatalf("the marker outlived its file: %v", err)
		}
	})
	changes := map[string]func(t *testing.T, path string){
		"damaged in place": damages["scrambled pages"],
		"truncated":        damages["truncated"],
		"replaced by a damaged copy with the same time": func(t *testing.T, path string) {
			fi, _ := os.Stat(path)
			b, _ := os.ReadFile(path)
			copy(b[3*4096:], bytes.Repeat([]byte{0x5A}, 8*4096))
			tmp := path + ".copy"
			os.WriteFile(tmp, b, 0o600)
			os.Chtimes(tmp, fi.ModTime(), fi.ModTime())
			os.Rename(tmp, path)
		},
	}
	for name, change := range changes {
		t.Run(name, func(t *testing.T) {
			path := newFile(t)
			if err := boltcheck.MarkClean(path); err != nil {
				t.Fatal(err)
			}
			change(t, path)
			c, err := checked(t, path)
			if !c || err == nil {
				t.Fatalf("checked %v, err %v: the change went unnoticed", c, err)
			}
		})
	}
}
