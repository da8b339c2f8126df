package eventstore_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/eventstore/eventstoretest"
	bolt "go.etcd.io/bbolt"
)

// openStore opens the store in dir and, when the test ends, closes it and checks the bbolt file's
// consistency.
func openStore(t *testing.T, dir string) *eventstore.Store {
	t.Helper()
	return openStoreAt(t, filepath.Join(dir, "events.db"))
}

// openStoreAt is openStore of the file at path.
func openStoreAt(t *testing.T, path string) *eventstore.Store {
	t.Helper()
	s, err := eventstore.Open(path, eventstore.Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		checkConsistency(t, path)
	})
	return s
}

// checkConsistency runs bbolt's own consistency check over the file.
func checkConsistency(t *testing.T, path string) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Errorf("consistency check: open: %v", err)
		return
	}
	defer db.Close()
	err = db.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			return err
		}
		return nil
	})
	if err != nil {
		t.Errorf("consistency check: %v", err)
	}
}

func TestConformance(t *testing.T) {
	eventstoretest.Run(t, func(t *testing.T, dir string) eventstoretest.Store { return openStore(t, dir) })
}

func TestOpenRejectsForeignFiles(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.db")
	if err := os.WriteFile(garbage, make([]byte, 64<<10), 0o600); err != nil {
		t.Fatal(err)
	}
	text := filepath.Join(dir, "text.db")
	if err := os.WriteFile(text, []byte("this is not a database\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, "other.db")
	db, err := bolt.Open(other, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("widgets")); return err }); err != nil {
		t.Fatal(err)
	}
	db.Close()
	for _, path := range []string{garbage, text, other} {
		s, err := eventstore.Open(path, eventstore.Options{})
		if err == nil {
			s.Close()
			t.Errorf("Open(%s) succeeded", filepath.Base(path))
			continue
		}
		if !errors.Is(err, eventstore.ErrCorrupt) {
			t.Errorf("Open(%s) = %v, want ErrCorrupt", filepath.Base(path), err)
		}
	}
}

func TestOpenLockedFile(t *testing.T) {
	dir := t.TempDir()
	openStore(t, dir)
	s, err := eventstore.Open(filepath.Join(dir, "events.db"), eventstore.Options{LockTimeout: 50e6})
	if err == nil {
		s.Close()
		t.Fatal("a second Open of a locked store succeeded")
	}
	if !errors.Is(err, eventstore.ErrLocked) {
		t.Errorf("Open of a locked store = %v, want ErrLocked", err)
	}
}

// TestCorruptRecordIsReported flips a byte inside a stored record: reads must fail with ErrCorrupt,
// not return wrong data, and reopening must say the file is damaged.
func TestCorruptRecordIsReported(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "events.db")
	s, err := eventstore.Open(path, eventstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	marker := `{"marker":"ZZZZZZZZZZZZZZZZ"}`
	e := eventstoretest.NewEvent("T", 1)
	e.Data = []byte(marker)
	if _, err := s.Append(ctx, eventstore.AppendRequest{Stream: "a", Events: []eventstore.EventData{e}}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	i := indexOf(raw, []byte("ZZZZ"))
	if i < 0 {
		t.Fatal("record not found in file")
	}
	raw[i] = 'Y'
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	if s, err := eventstore.Open(path, eventstore.Options{}); !errors.Is(err, eventstore.ErrCorrupt) {
		if err == nil {
			s.Close()
		}
		t.Fatalf("Open of a store with a damaged last event = %v, want ErrCorrupt", err)
	}
}

func indexOf(b, sub []byte) int {
	for i := 0; i+len(sub) <= len(b); i++ {
		if string(b[i:i+len(sub)]) == string(sub) {
			return i
		}
	}
	return -1
}
