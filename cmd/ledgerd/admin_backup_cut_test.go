package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nordledger/ledger/eventstore/personal"
	"github.com/nordledger/ledger/internal/admin"
	"github.com/nordledger/ledger/internal/datadir"
)

// TestE2EBackupHoldingUpAForgetIsCut: a key-store backup whose reader keeps taking the copy, but
// slowly (a trickle: never -backup-stall-timeout without a byte), holds its read transaction —
// and a forget that comes meanwhile waits for it, for as long as the reader takes. Once the
// forget waits, the backup gets -backup-stall-timeout more (at most half -http-write-timeout, so
// that the forget is still answered within its write timeout), however its reader goes on, and is
// then cut: the forget is answered, the reader finds a stream that broke off (not a copy that
// ends as a complete one would: ledgerctl keeps nothing of it), and ledgerd's log says why.
// Without the bound nothing cut it: the forget waited until the reader had taken the whole copy.
//
// Time is the test's: the stall bound is an hour (never reached), the reader takes the copy only
// when the test lets it, and the test fires the cut the backup arms (backupCutAfter) when it
// learns that the forget waits.
func TestE2EBackupHoldingUpAForgetIsCut(t *testing.T) {
	type armed struct {
		d time.Duration
		f func()
	}
	arms := make(chan armed, 1)
	defer func(old func(time.Duration, func()) func() bool) { backupCutAfter = old }(backupCutAfter)
	backupCutAfter = func(d time.Duration, f func()) func() bool {
		arms <- armed{d, f}
		return func() bool { return true }
	}

	s := startServer(t, withArgs("-backup-stall-timeout", "1h"))
	const no = "7952"
	s.createCustomer(t, s.token, newCustomer(no, "Slow Backup"))
	keyStoreBallast(t, s, 20000)

	client, err := admin.Dial(context.Background(), datadir.Dir{Path: s.dir}.AdminSocketPath())
	if err != nil || client == nil {
		t.Fatalf("the admin socket: %v", err)
	}
	resp, err := client.Get(admin.URL(admin.BackupKeys))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("the backup: %s %s", resp.Status, admin.ReadError(resp))
	}
	// drain takes the rest of the copy: a stream that breaks off fails; one that ends is whole.
	drain := func() (int64, error) { return io.Copy(io.Discard, resp.Body) }
	// take lets the reader take n more bytes of the copy.
	take := func(n int64) {
		t.Helper()
		if _, err := io.CopyN(io.Discard, resp.Body, n); err != nil {
			t.Fatalf("taking %d bytes of the backup: %v", n, err)
		}
	}
	take(64 << 10)

	forgot := forgetInBackground(s, no)

	// The forget waits for the backup: the backup arms its cut.
	wait, cancel := waitContext(t)
	defer cancel()
	var cut armed
	select {
	case cut = <-arms:
	case <-wait.Done(): // the failure only: on success the cut is armed at once
		drain()
		t.Fatalf("a forget waited for a backup and nothing bounded the wait (the forget answered %s once the reader had taken the whole copy)", <-forgot)
	}
	if cut.d != 15*time.Second {
		t.Errorf("the backup gets %v more once a forget waits; want half -http-write-timeout (30s), the shorter of it and -backup-stall-timeout (1h)", cut.d)
	}
	// Until the cut, the backup goes on: its reader takes more, the forget still waits.
	take(64 << 10)
	select {
	case got := <-forgot:
		t.Fatalf("the forget answered %s while the backup begun before it was still copying", got)
	default:
	}

	cut.f() // -backup-stall-timeout has passed since the forget began to wait
	select {
	case got := <-forgot:
		if got != "204 No Content" {
			t.Fatalf("the forget once the backup was cut: %s; want 204", got)
		}
	case <-wait.Done(): // the failure only
		drain()
		t.Fatalf("the forget waited on after the backup holding it up was cut (answered %s once the reader had taken the whole copy)", <-forgot)
	}
	if n, err := drain(); err == nil {
		t.Errorf("the backup cut for the forget: the stream ended after %d more bytes as a whole copy does; want it broken off", n)
	} else if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Logf("the cut stream: %v", err)
	}
	if logs := s.logs.String(); !strings.Contains(logs, "a forget has waited for this backup for 15s (-backup-stall-timeout, at most half -http-write-timeout)") {
		t.Errorf("ledgerd's log does not say why the backup was cut:\n%s", logs)
	}

	// The next backup is whole, and holds the forgotten customer's tombstone only.
	resp, err = client.Get(admin.URL(admin.BackupKeys))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	copyPath := filepath.Join(t.TempDir(), "keys.db")
	f, err := os.Create(copyPath)
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(f, resp.Body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if resp.StatusCode != http.StatusOK || err != nil || n < 1<<20 {
		t.Fatalf("the next backup: %s, %d bytes, %v", resp.Status, n, err)
	}
	copied, err := personal.OpenStore(copyPath, nil, personal.StoreOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer copied.Close()
	if rec, found, err := copied.Record(demoLedger + "/customers/" + no); err != nil || !found || !rec.Destroyed {
		t.Errorf("the forgotten customer in the next backup: %+v %v %v; want its tombstone", rec.Subject, found, err)
	}
}

// keyStoreBallast stops the server, adds n keys to its key store — a file larger than what the
// admin socket buffers (some 3 MB for 20000), so that a backup waits for its reader — and starts
// it again.
func keyStoreBallast(t *testing.T, s *testServer, n int) {
	t.Helper()
	s.stop(t)
	d := datadir.Dir{Path: s.dir}
	ring, _, err := d.MasterKeys(false)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := personal.OpenStore(d.KeyStorePath(), ring, personal.StoreOptions{DeferCreates: true})
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if _, err := keys.DataKey(context.Background(), fmt.Sprintf("%s/customers/ballast-%d", demoLedger, i), true); err != nil {
			t.Fatal(err)
		}
	}
	if err := keys.CommitPending(); err != nil {
		t.Fatal(err)
	}
	if err := keys.Close(); err != nil {
		t.Fatal(err)
	}
	s.start(t)
}

// forgetInBackground asks writer s to forget customer no and returns where its answer's status
// (or the request's error) comes.
func forgetInBackground(s *testServer, no string) <-chan string {
	forgot := make(chan string, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodPost, s.base+customersPath(demoLedger, no, "forget"), nil)
		req.Header.Set("Authorization", "Bearer "+s.token)
		r, err := s.client.Do(req)
		if err != nil {
			forgot <- err.Error()
			return
		}
		r.Body.Close()
		forgot <- r.Status
	}()
	return forgot
}
