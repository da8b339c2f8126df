package personal_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/nordledger/ledger/eventstore/personal"
)

// stallWriter is a backup's reader that takes the first write and then stalls until released —
// ledgerctl writing the copy to a slow or hung disk, or stopped (SIGSTOP) mid-copy.
type stallWriter struct {
	started, release chan struct{}
	buf              bytes.Buffer
}

func (w *stallWriter) Write(p []byte) (int, error) {
	if w.buf.Len() == 0 {
		close(w.started)
		<-w.release
	}
	return w.buf.Write(p)
}

// TestStalledBackupHoldsUpNoKeys: a key-store backup whose reader stalls, and a forget (Destroy)
// arriving meanwhile, must not stop the store's other users: a new customer's key, a key not in
// memory, the key bus's reads of unpublished and all records are answered while the backup is
// stalled. (The Destroy waited for the lock the backup holds shared, and a waiting writer makes
// every later reader wait: every create and every read of a key not cached hung until the
// backup's reader went on.) The forget itself still waits for the backup — a backup begun before
// a forget is taken before it — and afterwards no backup holds the key.
func TestStalledBackupHoldsUpNoKeys(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.db")
	s, err := personal.OpenStore(path, ring(t, masterA), personal.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	dataKey(t, s, "1000/customers/1", true)
	dataKey(t, s, "1000/customers/2", true)

	w := &stallWriter{started: make(chan struct{}), release: make(chan struct{})}
	backedUp := make(chan error, 1)
	go func() { _, err := s.Backup(w); backedUp <- err }()
	<-w.started
	destroyed := make(chan error, 1)
	go func() { destroyed <- s.Destroy(ctx, "1000/customers/1") }()
	for !personal.ExclusiveWaiting(s) { // the forget waits for the backup
		runtime.Gosched()
	}

	others := make(chan error, 1)
	go func() {
		if _, err := s.DataKey(ctx, "1000/customers/3", true); err != nil { // a new customer
			others <- err
			return
		}
		if _, err := s.Pending(10); err != nil { // the key bus
			others <- err
			return
		}
		_, err := s.Records("", 10)
		others <- err
	}()
	select {
	case err := <-others:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second): // a guard for the failure only: on success they answer at once
		t.Error("a new customer's key and the key bus's reads waited for a stalled backup")
	}
	select {
	case err := <-destroyed:
		t.Fatalf("the forget's Destroy returned (%v) while a backup begun before it was still copying", err)
	default:
	}
	close(w.release)
	if err := <-backedUp; err != nil {
		t.Fatal(err)
	}
	if err := <-destroyed; err != nil {
		t.Fatal(err)
	}
	var after bytes.Buffer
	if _, err := s.Backup(&after); err != nil {
		t.Fatal(err)
	}
	restored := filepath.Join(t.TempDir(), "restored.db")
	if err := os.WriteFile(restored, after.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	r := openStore(t, restored, ring(t, masterA))
	if rec, found, err := r.Record("1000/customers/1"); err != nil || !found || !rec.Destroyed {
		t.Errorf("a backup taken after the forget: %+v %v %v; want the tombstone", rec, found, err)
	}
}

// TestStalledBackupHoldsUpNoNewKeys: a key-store backup whose reader stalls holds its read
// transaction open; new customers' keys that take the file past the size bbolt mapped at open
// must still be written meanwhile. bbolt grows its map under the write lock once every read
// transaction has ended: keys.db was opened with no map size of its own (bbolt's 32 KiB,
// doubled), so a few hundred new keys made every create — every new customer — wait for the
// stalled backup.
func TestStalledBackupHoldsUpNoNewKeys(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.db")
	s, err := personal.OpenStore(path, ring(t, masterA), personal.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	dataKey(t, s, "1000/customers/0", true)

	w := &stallWriter{started: make(chan struct{}), release: make(chan struct{})}
	backedUp := make(chan error, 1)
	go func() { _, err := s.Backup(w); backedUp <- err }()
	<-w.started

	// 2000 keys, some 200 KiB: past 32, 64 and 128 KiB.
	const workers, each = 8, 250
	created := make(chan error, workers)
	for g := range workers {
		go func() {
			for i := range each {
				if _, err := s.DataKey(ctx, fmt.Sprintf("1000/customers/%d-%d", g, i), true); err != nil {
					created <- err
					return
				}
			}
			created <- nil
		}()
	}
	guard := time.After(2 * time.Minute) // a guard for the failure only: on success the keys are written without the backup
	for range workers {
		select {
		case err := <-created:
			if err != nil {
				t.Fatal(err)
			}
		case <-guard:
			close(w.release)
			<-backedUp
			t.Fatal("new keys past the key store's mapped size waited for a stalled backup")
		}
	}
	close(w.release)
	if err := <-backedUp; err != nil {
		t.Fatal(err)
	}
}
