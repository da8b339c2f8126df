package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/nordledger/ledger/internal/admin"
	"github.com/nordledger/ledger/internal/boltmap"
	"github.com/nordledger/ledger/internal/datadir"
	bolt "go.etcd.io/bbolt"
)

// TestE2EBackupOfAGrowingLogIsCut: an event-log backup holds up nothing directly, but while its
// read transaction is open bbolt reuses none of the pages the appends free, and the log's file
// grows with every commit; once it outgrew its map, every write would wait for the backup to end.
// A reader that keeps taking a trickle is never cut for a stall. Once the file has grown, since
// the backup began, by more than backupGrowthLimit, the backup is cut: the appends go on, the
// reader finds a stream that broke off (ledgerctl keeps nothing), ledgerd's log says why and what
// to do, and the next backup is whole. Without the bound the backup went on for as long as its
// reader took, and the file grew with every append meanwhile.
//
// Growth is the test's: real appends while the reader takes nothing, and the test runs the
// growth check the backup arms (backupWatchGrowth) after each; the bound is small.
func TestE2EBackupOfAGrowingLogIsCut(t *testing.T) {
	s := startServer(t, withArgs("-backup-stall-timeout", "1h"))
	s.createCustomer(t, s.token, newCustomer("7960", "Growing Log"))
	testBackupCutForGrowth(t, s, datadir.Events, admin.BackupEvents, "event log", func() (boltmap.Use, error) { return s.m.store.MapUse() }, func(i int) {
		s.createCustomer(t, s.token, newCustomer(fmt.Sprint(8000+i), "Growing Log"))
	})
}

// TestE2EBackupOfGrowingDisclosuresIsCut: a backup of disclosures.db is the same read transaction
// of a file written meanwhile (grants, revocations, disclosures to consumers), and is cut alike
// (TestE2EBackupOfAGrowingLogIsCut).
func TestE2EBackupOfGrowingDisclosuresIsCut(t *testing.T) {
	s := startServer(t, withArgs("-backup-stall-timeout", "1h"))
	testBackupCutForGrowth(t, s, datadir.Disclosures, admin.BackupDisclosures, "disclosure store", func() (boltmap.Use, error) { return s.m.disclosures.MapUse() }, func(i int) {
		route := admin.ConsumersGrant
		if i%2 == 1 {
			route = admin.ConsumersRevoke
		}
		var g map[string]any
		if st := s.adminJSON(t, http.MethodPost, route, admin.GrantChange{LedgerNo: demoLedger, Consumer: "crm-sync", By: "ops"}, &g); st != http.StatusOK {
			t.Fatalf("%s: %d", route, st)
		}
	})
}

// TestE2EBackupOfAGrowingKeyStoreIsCut: a key-store backup during which no forget comes is cut
// for its file's growth alike (each new customer's data key is a commit of keys.db).
func TestE2EBackupOfAGrowingKeyStoreIsCut(t *testing.T) {
	s := startServer(t, withArgs("-backup-stall-timeout", "1h"))
	testBackupCutForGrowth(t, s, datadir.KeyStore, admin.BackupKeys, "key store", func() (boltmap.Use, error) { return s.m.keys.MapUse() }, func(i int) {
		s.createCustomer(t, s.token, newCustomer(fmt.Sprint(8000+i), "Growing Keys"))
	})
}

// TestE2EBackupCutBeforeItsMapIsFull: a file that has grown so much since ledgerd opened it that
// its map has less than 1 GiB and backupMapMargin to spare (past its first 10 GiB, bbolt maps it
// anew every GiB) may grow during a backup only by what is left: past it, every write would wait
// for the backup. Here the margin leaves 256 KiB of the map to the backup.
func TestE2EBackupCutBeforeItsMapIsFull(t *testing.T) {
	s := startServer(t, withArgs("-backup-stall-timeout", "1h"))
	s.createCustomer(t, s.token, newCustomer("7961", "Full Map"))
	testBackupCut(t, s, datadir.Events, admin.BackupEvents, "event log", func() (boltmap.Use, error) { return s.m.store.MapUse() }, func(i int) {
		s.createCustomer(t, s.token, newCustomer(fmt.Sprint(8000+i), "Full Map"))
	}, true)
}

// TestE2EBackupRefusedWhenItsMapIsFull: a backup of a file whose map has no more than
// backupMapMargin to spare is refused before its first byte, with the reason and what to do
// (restart ledgerd: it maps the file with 10 GiB to spare); writes go on.
func TestE2EBackupRefusedWhenItsMapIsFull(t *testing.T) {
	defer func(old int64) { backupMapMargin = old }(backupMapMargin)
	backupMapMargin = 1 << 50
	s := startServer(t)
	client, err := admin.Dial(context.Background(), datadir.Dir{Path: s.dir}.AdminSocketPath())
	if err != nil || client == nil {
		t.Fatalf("the admin socket: %v", err)
	}
	for _, route := range []string{admin.BackupEvents, admin.BackupKeys, admin.BackupDisclosures} {
		resp, err := client.Get(admin.URL(route))
		if err != nil {
			t.Fatal(err)
		}
		reason := admin.ReadError(resp)
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(reason, "memory map has") || !strings.Contains(reason, "restart ledgerd") {
			t.Errorf("%s with no room in the map: %s %s; want 503 saying why and what to do", route, resp.Status, reason)
		}
	}
	if logs := s.logs.String(); !strings.Contains(logs, "backup of the event log refused") {
		t.Errorf("ledgerd's log does not say the backup was refused:\n%s", logs)
	}
	s.createCustomer(t, s.token, newCustomer("7962", "Full Map"))
}

// testBackupCutForGrowth backs up file (route; what names it in ledgerd's log) with a reader that
// takes nothing after the copy's start while grow(i) writes to the file, i = 0, 1, ..., and runs
// the growth check the backup armed after each; size is the store's (s.m's, new at each start). The backup must be cut once
// the file grew by more than backupGrowthLimit (small here), and the next backup be whole.
func testBackupCutForGrowth(t *testing.T, s *testServer, file, route, what string, use func() (boltmap.Use, error), grow func(i int)) {
	t.Helper()
	testBackupCut(t, s, file, route, what, use, grow, false)
}

// testBackupCut is testBackupCutForGrowth; byRoom: the bound is not backupGrowthLimit but the
// room left in the file's map less backupMapMargin, which the test sets to leave 256 KiB.
func testBackupCut(t *testing.T, s *testServer, file, route, what string, use func() (boltmap.Use, error), grow func(i int), byRoom bool) {
	t.Helper()
	checks := make(chan func() bool, 1)
	defer func(old func(func() bool) func()) { backupWatchGrowth = old }(backupWatchGrowth)
	backupWatchGrowth = func(check func() bool) func() {
		checks <- check
		return func() {}
	}
	defer func(old int64) { backupGrowthLimit = old }(backupGrowthLimit)
	defer func(old int64) { backupMapMargin = old }(backupMapMargin)
	const bound = 256 << 10
	if !byRoom {
		backupGrowthLimit = bound
	}

	const ballast = 24 << 20
	fileBallast(t, s, file, ballast)
	if byRoom {
		u, err := use()
		if err != nil {
			t.Fatal(err)
		}
		if u.Room < 10<<30 {
			t.Fatalf("the map of a file just opened: %+v; want 10 GiB to spare, at the least", u)
		}
		backupMapMargin = u.Room - bound
	}

	client, err := admin.Dial(context.Background(), datadir.Dir{Path: s.dir}.AdminSocketPath())
	if err != nil || client == nil {
		t.Fatalf("the admin socket: %v", err)
	}
	resp, err := client.Get(admin.URL(route))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("the backup: %s %s", resp.Status, admin.ReadError(resp))
	}
	if _, err := io.CopyN(io.Discard, resp.Body, 64<<10); err != nil {
		t.Fatalf("taking the start of the backup: %v", err)
	}
	var check func() bool // armed before the copy's first byte: the answer's header came with it
	select {
	case check = <-checks:
	default:
	}
	before, err := use()
	if err != nil {
		t.Fatal(err)
	}

	// The reader takes nothing more; writes go on, each its own commit, and the file grows.
	const most = 400 // tens of KB each: the bound is passed long before
	cut := false
	for i := range most {
		grow(i)
		if check != nil && check() {
			cut = true
			break
		}
	}
	after, err := use()
	if err != nil {
		t.Fatal(err)
	}
	grown := after.Used - before.Used
	n, err := io.Copy(io.Discard, resp.Body)
	if !cut || err == nil {
		t.Fatalf("%s grew by %d KiB while a backup was copying it (the bound: %d KiB): the backup was not cut (its stream: %d more bytes, %v)", file, grown>>10, bound>>10, n, err)
	}
	if grown <= bound {
		t.Errorf("the backup was cut once the file had grown by %d bytes; want more than the bound, %d", grown, bound)
	}
	// net/http closes the connection at the failed write: the handler logs its WARN just after.
	warn := "backup of the " + what + " failed"
	line := await(t, "ledgerd's WARN "+warn, func() (string, bool) {
		l := lineWith(s.logs.String(), warn)
		return l, l != ""
	})
	wants := []string{"level=WARN", "cut: the " + what + "'s file has grown by", "since this backup began", "take the backup again, to a local disk"}
	if byRoom {
		wants = append(wants, ", less than 1.0 GiB: the file's memory map had")
	}
	t.Logf("ledgerd: %s", line)
	for _, want := range wants {
		if !strings.Contains(line, want) {
			t.Errorf("ledgerd's WARN does not say %q: %s", want, line)
		}
	}

	// The writes went on. The next backup, with none during it, is whole — or, where the map's
	// room was the bound, refused: what is left of it is less than the margin now.
	resp, err = client.Get(admin.URL(route))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if byRoom {
		if reason := admin.ReadError(resp); resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(reason, "restart ledgerd") {
			t.Errorf("the next backup, the map's room used up: %s %s; want 503 saying to restart ledgerd", resp.Status, reason)
		}
		return
	}
	if n, err := io.Copy(io.Discard, resp.Body); resp.StatusCode != http.StatusOK || err != nil || n < ballast {
		t.Errorf("the next backup: %s, %d bytes, %v", resp.Status, n, err)
	}
}

// fileBallast stops the server and adds a bucket of size bytes to its file (datadir.Events, ...)
// — what the store holds is unchanged, the file larger than what the admin socket buffers, so
// that a backup waits for its reader — and starts it again.
func fileBallast(t *testing.T, s *testServer, file string, size int) {
	t.Helper()
	s.stop(t)
	db, err := bolt.Open(datadir.Dir{Path: s.dir}.File(file), 0o600, &bolt.Options{NoFreelistSync: true, FreelistType: bolt.FreelistMapType})
	if err != nil {
		t.Fatal(err)
	}
	value := make([]byte, 32<<10)
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("test-ballast"))
		if err != nil {
			return err
		}
		for i := range size / len(value) {
			if err := b.Put(fmt.Appendf(nil, "%08d", i), value); err != nil {
				return err
			}
		}
		return nil
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	s.start(t)
}

// lineWith returns the first line of logs holding s.
func lineWith(logs, s string) string {
	for _, l := range strings.Split(logs, "\n") {
		if strings.Contains(l, s) {
			return l
		}
	}
	return ""
}
