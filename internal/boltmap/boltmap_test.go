package boltmap_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/nordledger/ledger/internal/boltmap"
	bolt "go.etcd.io/bbolt"
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

// TestExplainAddressSpaceLimit: a process whose address space is limited (ulimit -v, systemd
// LimitAS=) below a file's map cannot open it; the error says why and what to do, where bbolt
// says only "cannot allocate memory". Run in a child process: the limit is for the whole process.
func TestExplainAddressSpaceLimit(t *testing.T) {
	if strconv.IntSize != 64 || runtime.GOOS != "linux" {
		t.Skip("the map is larger than the file on 64-bit systems only; the limit is Linux's")
	}
	if os.Getenv("BOLTMAP_LIMITED_CHILD") == "1" {
		limitedChild(t)
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run", "^TestExplainAddressSpaceLimit$", "-test.v")
	cmd.Env = append(os.Environ(), "BOLTMAP_LIMITED_CHILD=1", "BOLTMAP_DIR="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS") {
		t.Errorf("the child: %v\n%s", err, out)
	}
}

func limitedChild(t *testing.T) {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip(err)
	}
	var vmKB uint64
	for _, l := range strings.Split(string(status), "\n") {
		if f := strings.Fields(l); len(f) == 3 && f[0] == "VmSize:" {
			vmKB, _ = strconv.ParseUint(f[1], 10, 64)
		}
	}
	if vmKB == 0 {
		t.Skip("no VmSize")
	}
	limit := vmKB<<10 + 2<<30 // room for the process, not for a 10 GiB map
	if err := syscall.Setrlimit(syscall.RLIMIT_AS, &syscall.Rlimit{Cur: limit, Max: limit}); err != nil {
		t.Skip(err)
	}
	path := filepath.Join(os.Getenv("BOLTMAP_DIR"), "x.db")
	size := boltmap.Size(path, 0)
	db, err := bolt.Open(path, 0o600, &bolt.Options{InitialMmapSize: size})
	if err == nil {
		db.Close()
		t.Fatal("opened with a 10 GiB map under a 2 GiB address-space limit")
	}
	if msg := boltmap.Explain(err, size).Error(); !strings.Contains(msg, "LimitAS=") || !strings.Contains(msg, "cannot allocate memory") {
		t.Errorf("the error: %s; want it to name the limit", msg)
	}
	db, err = bolt.Open(path, 0o600, &bolt.Options{})
	if err != nil {
		t.Fatalf("the same file with bbolt's own map: %v", err)
	}
	db.Close()
}

// TestMapUse: a file opened with Size's map has its Headroom to spare, at the least, and as much
// less as its pages grew; past the map, what is left to the next GiB, where bbolt maps it anew.
func TestMapUse(t *testing.T) {
	if boltmap.Headroom == 0 || runtime.GOOS == "windows" {
		t.Skip("no headroom here: the room is unknown")
	}
	path := filepath.Join(t.TempDir(), "x.db")
	mapped := boltmap.Size(path, 0)
	db, err := bolt.Open(path, 0o600, &bolt.Options{InitialMmapSize: mapped})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	before, err := boltmap.MapUse(db, mapped)
	if err != nil {
		t.Fatal(err)
	}
	if before.Used <= 0 || before.Used+before.Room != boltmap.Headroom {
		t.Errorf("a new file: %+v; want its pages and a room that end at %d", before, boltmap.Headroom)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("b"))
		if err != nil {
			return err
		}
		return b.Put([]byte("k"), make([]byte, 1<<20))
	}); err != nil {
		t.Fatal(err)
	}
	after, err := boltmap.MapUse(db, mapped)
	if err != nil {
		t.Fatal(err)
	}
	if after.Used < before.Used+1<<20 || after.Used+after.Room != before.Used+before.Room {
		t.Errorf("after 1 MiB written: %+v (before: %+v); want the pages grown by 1 MiB and the room shrunk as much", after, before)
	}
	// Given a map smaller than its pages (the file outgrew the map it was opened with): bbolt
	// mapped it anew, to its next step at the least — here a power of two.
	u, err := boltmap.MapUse(db, 0)
	if err != nil {
		t.Fatal(err)
	}
	if end := u.Used + u.Room; end&(end-1) != 0 || end <= u.Used || end/2 > u.Used {
		t.Errorf("the map's end for pages of %d bytes: %d; want the next power of two", u.Used, end)
	}
}
