package personal_test

import (
	"bytes"
	"path/filepath"
	"testing"
	"time"

	"github.com/nordledger/ledger/eventstore/personal"
)

// TestBackupNotifyTellsWhoWaits: a backup is told when a caller begins to wait for its copy to
// end — a forget (Destroy), a rewrite of the file (Compact, as a master-key rotation ends) — so
// that its owner can bound how long the copy holds them up (ledgerd cuts it after its
// -backup-stall-timeout); the copy itself goes on until its owner cuts it. A backup nobody waits
// for is told nothing, and nothing is called once BackupNotify has returned.
func TestBackupNotifyTellsWhoWaits(t *testing.T) {
	s, err := personal.OpenStore(filepath.Join(t.TempDir(), "keys.db"), ring(t, masterA), personal.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	dataKey(t, s, "1000/customers/1", true)

	for _, c := range []struct {
		by   string
		wait func() error
	}{
		{"a forget", func() error { return s.Destroy(ctx, "1000/customers/1") }},
		{"a rewrite of the key store (a master-key rotation)", s.Compact},
	} {
		w := &stallWriter{started: make(chan struct{}), release: make(chan struct{})}
		told := make(chan string, 2)
		backedUp := make(chan error, 1)
		go func() {
			_, err := s.BackupNotify(w, func(by string) { told <- by })
			backedUp <- err
		}()
		<-w.started
		waited := make(chan error, 1)
		go func() { waited <- c.wait() }()
		select {
		case by := <-told:
			if by != c.by {
				t.Errorf("the backup was told %q waits; want %q", by, c.by)
			}
		case <-time.After(time.Minute): // a guard for the failure only: on success it is told at once
			close(w.release)
			<-backedUp
			<-waited
			t.Fatalf("a backup was not told that %s waited for it", c.by)
		}
		select {
		case err := <-waited:
			t.Fatalf("%s returned (%v) while the backup begun before it was copying", c.by, err)
		default:
		}
		close(w.release)
		if err := <-backedUp; err != nil {
			t.Fatal(err)
		}
		if err := <-waited; err != nil {
			t.Fatal(err)
		}
		if len(told) != 0 {
			t.Errorf("the backup was told twice: %q", <-told)
		}
	}

	var buf bytes.Buffer
	if _, err := s.BackupNotify(&buf, func(by string) { t.Errorf("a backup nobody waited for was told %q waits", by) }); err != nil {
		t.Fatal(err)
	}
	if _, err := s.BackupNotify(&buf, nil); err != nil {
		t.Fatal(err)
	}
}
