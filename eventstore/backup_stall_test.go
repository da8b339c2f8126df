package eventstore_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nordledger/ledger/eventstore"
	bolt "go.etcd.io/bbolt"
)

// stallWriter is a backup's reader that takes the first write and then stalls until released —
// ledgerctl writing the copy to a slow or hung disk or pipe, or stopped (Ctrl-Z) mid-copy.
type stallWriter struct {
	started, release chan struct{}
	n                int64
}

func (w *stallWriter) Write(p []byte) (int, error) {
	if w.n == 0 {
		close(w.started)
		<-w.release
	}
	w.n += int64(len(p))
	return len(p), nil
}

// TestStalledBackupHoldsUpNoAppends: a backup whose reader stalls holds its read transaction
// open; appends that take the log past the size bbolt mapped at open must still be committed
// meanwhile. bbolt grows its map under the write lock and waits for every read transaction to
// end first: with the map of 256 MiB the log was opened with, the first append past it waited
// for the stalled backup — every append after it too, and every read begun after it — for as
// long as the backup's reader took.
func TestStalledBackupHoldsUpNoAppends(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.db")
	s, err := eventstore.Open(path, eventstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	appendBlobs(t, s, "blob-0", 1, 1<<10)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// A log of 230 MiB (buckets of ballast: cheaper to write than events; not synced, the store's
	// first commit does), in a file below the 256 MiB bbolt mapped logs with.
	db, err := bolt.Open(path, 0o600, &bolt.Options{NoFreelistSync: true, FreelistType: bolt.FreelistMapType, NoSync: true, NoGrowSync: true})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 23 {
		if err := db.Update(func(tx *bolt.Tx) error {
			b, err := tx.CreateBucket(fmt.Appendf(nil, "test-ballast-%d", i)) // a page each: no rewrite of the others
			if err != nil {
				return err
			}
			return b.Put([]byte("ballast"), make([]byte, 10<<20))
		}); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() >= 256<<20 {
		t.Fatalf("the file before the test: %v, %v; want below 256 MiB", fi.Size(), err)
	}
	s = openStoreAt(t, path)
	ctx := context.Background()

	w := &stallWriter{started: make(chan struct{}), release: make(chan struct{})}
	backedUp := make(chan error, 1)
	go func() { _, err := s.Backup(ctx, w); backedUp <- err }()
	<-w.started

	// 56 MiB of events: past the 256 MiB the map had at open.
	appended := make(chan error, 1)
	go func() {
		for i := range 2 {
			if err := tryAppendBlobs(s, fmt.Sprintf("blob-%d", i+1), 7, eventstore.MaxEventData-64); err != nil {
				appended <- err
				return
			}
		}
		appended <- nil
	}()
	select {
	case err := <-appended:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Minute): // a guard for the failure only: on success they are committed without the backup
		close(w.release)
		<-backedUp
		<-appended
		t.Fatal("appends past the log's mapped size waited for a stalled backup")
	}
	close(w.release)
	if err := <-backedUp; err != nil {
		t.Fatal(err)
	}
}

// appendBlobs appends n events of about size bytes of JSON each to stream.
func appendBlobs(t *testing.T, s *eventstore.Store, stream string, n, size int) {
	t.Helper()
	if err := tryAppendBlobs(s, stream, n, size); err != nil {
		t.Fatal(err)
	}
}

func tryAppendBlobs(s *eventstore.Store, stream string, n, size int) error {
	events := make([]eventstore.EventData, n)
	for i := range events {
		data := append(append([]byte{'"'}, bytes.Repeat([]byte{'a'}, size-2)...), '"') // the log does not compress
		events[i] = eventstore.EventData{ID: uuid.Must(uuid.NewV7()), Type: "Blob", SchemaVersion: 1, Time: time.Now(), Data: data}
	}
	_, err := s.Append(context.Background(), eventstore.AppendRequest{Stream: stream, ExpectedVersion: eventstore.NoStream, Events: events})
	return err
}
