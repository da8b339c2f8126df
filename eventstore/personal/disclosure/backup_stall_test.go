package disclosure_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// stallWriter is a backup's reader that takes the first write and then stalls until released —
// ledgerctl writing the copy to a slow or hung disk or pipe, or stopped (Ctrl-Z) mid-copy.
type stallWriter struct {
	started, release chan struct{}
	n                int
}

func (w *stallWriter) Write(p []byte) (int, error) {
	if w.n == 0 {
		close(w.started)
		<-w.release
	}
	w.n += len(p)
	return len(p), nil
}

// TestStalledBackupHoldsUpNoGrants: a backup whose reader stalls holds its read transaction
// open; grants (and disclosures) that take the file past the size bbolt mapped at open must
// still be written meanwhile. bbolt grows its map under the write lock once every read
// transaction has ended, and disclosures.db was opened with no map size of its own (bbolt's
// 32 KiB, doubled): a few grants later every grant, revocation and disclosure — every consumer
// read of personal data — waited for the stalled backup.
func TestStalledBackupHoldsUpNoGrants(t *testing.T) {
	s := openStore(t, filepath.Join(t.TempDir(), "disclosures.db"))
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, err := s.Grant("1000", "crm", "ops", "first", at); err != nil {
		t.Fatal(err)
	}

	w := &stallWriter{started: make(chan struct{}), release: make(chan struct{})}
	backedUp := make(chan error, 1)
	go func() { _, err := s.Backup(w); backedUp <- err }()
	<-w.started

	// 100 grants with notes of 2 KiB, kept in the grant and its history: some 400 KiB, past 32,
	// 64, 128 and 256 KiB.
	granted := make(chan error, 1)
	go func() {
		for i := range 100 {
			if _, err := s.Grant("1000", fmt.Sprintf("consumer-%d", i), "ops", strings.Repeat("n", 2<<10), at); err != nil {
				granted <- err
				return
			}
		}
		granted <- nil
	}()
	select {
	case err := <-granted:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(2 * time.Minute): // a guard for the failure only: on success the grants are written without the backup
		close(w.release)
		<-backedUp
		<-granted
		t.Fatal("grants past the store's mapped size waited for a stalled backup")
	}
	close(w.release)
	if err := <-backedUp; err != nil {
		t.Fatal(err)
	}
}
