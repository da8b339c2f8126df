package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/nordledger/ledger/eventstore/personal"
	"github.com/nordledger/ledger/internal/admin"
	"github.com/nordledger/ledger/internal/datadir"
)

// TestE2EStalledBackupIsCut: an online backup whose reader stops taking the copy (ledgerctl
// stopped with Ctrl-Z, writing to a hung disk or pipe) is cut once it has waited
// -backup-stall-timeout for it, and its read transaction ends: a forget that came meanwhile —
// it waits for a key-store backup begun before it — is answered, and so would be the writes
// waiting for bbolt to map a file that outgrew its map. The reader finds a stream that broke
// off (ledgerctl keeps nothing of it), ledgerd's log says why, and the next backup is taken.
// Without the bound the forget waited for as long as the reader did.
func TestE2EStalledBackupIsCut(t *testing.T) {
	s := startServer(t, withArgs("-backup-stall-timeout", "200ms"))
	const no = "7951"
	s.createCustomer(t, s.token, newCustomer(no, "Stalled Backup"))

	// A key store larger than what the admin socket buffers (some 3 MB), so that the backup
	// waits for its reader.
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
	for i := range 20000 {
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

	client, err := admin.Dial(context.Background(), d.AdminSocketPath())
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
	// The reader takes nothing more. A forget comes.
	forgot := forgetInBackground(s, no)
	wait, cancel := waitContext(t)
	defer cancel()
	select {
	case got := <-forgot:
		if got != "204 No Content" {
			t.Fatalf("the forget during a stalled backup: %s; want 204 (it waited for the backup)", got)
		}
	case <-wait.Done(): // the failure only: on success the backup is cut after 200 ms
		io.Copy(io.Discard, resp.Body)
		<-forgot
		t.Fatal("a forget waited for a backup whose reader stalled, until the test's deadline neared")
	}
	if n, err := io.Copy(io.Discard, resp.Body); err == nil {
		t.Errorf("the stalled backup's stream: %d bytes and its end; want it cut off", n)
	}
	// Cut for its reader's stall, or — should the copy's last write have begun after the forget
	// began to wait — for the forget it held up (TestE2EBackupHoldingUpAForgetIsCut).
	if logs := s.logs.String(); !strings.Contains(logs, "took nothing of the copy for 200ms") && !strings.Contains(logs, "a forget has waited for this backup for 200ms") {
		t.Errorf("ledgerd's log does not say why the backup was cut:\n%s", logs)
	}

	resp, err = client.Get(admin.URL(admin.BackupKeys))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if n, err := io.Copy(io.Discard, resp.Body); resp.StatusCode != http.StatusOK || err != nil || n < 1<<20 {
		t.Errorf("the next backup: %s, %d bytes, %v", resp.Status, n, err)
	}
}
