package boltmap_test

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/nordledger/ledger/internal/boltmap"
)

// TestSize: the map covers the file and Headroom more on 64-bit systems; a 32-bit one gets the
// fallback.
func TestSize(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "new.db")
	existing := filepath.Join(dir, "old.db")
	if err := os.WriteFile(existing, make([]byte, 3<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	if strconv.IntSize != 64 {
		if got := boltmap.Size(existing, 7); got != 7 {
			t.Errorf("Size on a 32-bit system: %d; want the fallback", got)
		}
		return
	}
	if boltmap.Headroom != 10<<30 {
		t.Errorf("Headroom %d; want 10 GiB", boltmap.Headroom)
	}
	if got := boltmap.Size(missing, 7); got != boltmap.Headroom {
		t.Errorf("Size of a new file: %d; want %d", got, boltmap.Headroom)
	}
	if got := boltmap.Size(existing, 7); got != 3<<20+boltmap.Headroom {
		t.Errorf("Size of a 3 MiB file: %d; want %d", got, 3<<20+boltmap.Headroom)
	}
}
