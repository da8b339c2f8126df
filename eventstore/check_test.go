package eventstore_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/eventstore/eventstoretest"
	bolt "go.etcd.io/bbolt"
)

// checkLog writes a small log (streams a and b, a reservation held by a) to dir/events.db, closes
// it and returns its path.
func checkLog(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "events.db")
	s, err := eventstore.Open(path, eventstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i, stream := range []string{"a", "b", "a", "a", "b"} {
		req := eventstore.AppendRequest{Stream: stream, Events: []eventstore.EventData{eventstoretest.NewEvent("T", i)}}
		if i == 0 {
			req.Claims = []string{"key-a"}
		}
		if _, err := s.Append(ctx, req); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// check opens path read-only and checks it.
func check(t *testing.T, path string, opts eventstore.CheckOptions) eventstore.CheckReport {
	t.Helper()
	s, err := eventstore.Open(path, eventstore.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("Open read-only: %v", err)
	}
	defer s.Close()
	r, err := s.Check(context.Background(), opts)
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	return r
}

func TestCheckCleanLog(t *testing.T) {
	path := checkLog(t)
	var seen []uint64
	var progress uint64
	r := check(t, path, eventstore.CheckOptions{
		Data:     func(e eventstore.Event) error { seen = append(seen, e.Position); return nil },
		Progress: func(pos, head uint64) { progress = pos },
	})
	if !r.OK() || len(r.Problems) != 0 {
		t.Fatalf("problems in a clean log: %v", r.Problems)
	}
	if r.Head != 5 || r.Events != 5 || r.Streams != 2 || r.Reservations != 1 {
		t.Errorf("report = %+v, want head 5, 5 events, 2 streams, 1 reservation", r)
	}
	if fmt.Sprint(seen) != "[1 2 3 4 5]" || progress != 5 {
		t.Errorf("Data saw %v, Progress reached %d; want every position and 5", seen, progress)
	}
}

// damage rewrites path's file with f inside one write transaction.
func damage(t *testing.T, path string, f func(t *testing.T, tx *bolt.Tx)) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(func(tx *bolt.Tx) error { f(t, tx); return nil }); err != nil {
		t.Fatal(err)
	}
}

// claim adds a claim record (store format 2: stream, 0x00, key) under the next claim number.
func claim(t *testing.T, tx *bolt.Tx, record []byte) {
	t.Helper()
	b := tx.Bucket([]byte("claims"))
	n, err := b.NextSequence()
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Put(pos(n), record); err != nil {
		t.Fatal(err)
	}
}

func pos(p uint64) []byte { return binary.BigEndian.AppendUint64(nil, p) }

func indexKey(stream string, version uint64) []byte {
	return binary.BigEndian.AppendUint64(append([]byte(stream), 0), version)
}

// record returns the id and position of the event at position p of the raw file (the id is
// bytes 1 to 16 of a record); the cases know the rest from checkLog.
func record(t *testing.T, tx *bolt.Tx, p uint64) eventstore.Event {
	t.Helper()
	raw := tx.Bucket([]byte("events")).Get(pos(p))
	if raw == nil {
		t.Fatalf("no event at %d", p)
	}
	var e eventstore.Event
	e.ID = [16]byte(raw[1:17])
	e.Position = p
	return e
}

func TestCheckFindsDamage(t *testing.T) {
	// The log: 1 a/1, 2 b/1, 3 a/2, 4 a/3, 5 b/2.
	tests := []struct {
		name     string
		damage   func(t *testing.T, tx *bolt.Tx)
		data     func(eventstore.Event) error
		wantKind string
		wantText string
	}{
		{"flipped byte", func(t *testing.T, tx *bolt.Tx) {
			b := tx.Bucket([]byte("events"))
			v := append([]byte(nil), b.Get(pos(3))...)
			v[len(v)/2] ^= 0x20
			b.Put(pos(3), v)
		}, nil, eventstore.ProblemCorrupt, "checksum mismatch"},
		{"missing event", func(t *testing.T, tx *bolt.Tx) {
			tx.Bucket([]byte("events")).Delete(pos(2))
		}, nil, eventstore.ProblemGap, "position 2 is missing"},
		{"missing index entry", func(t *testing.T, tx *bolt.Tx) {
			tx.Bucket([]byte("stream_index")).Delete(indexKey("a", 2))
		}, nil, eventstore.ProblemStreamIndex, "version 2 is not in the stream index"},
		{"index entry without an event", func(t *testing.T, tx *bolt.Tx) {
			tx.Bucket([]byte("stream_index")).Put(indexKey("b", 3), pos(4))
		}, nil, eventstore.ProblemStreamIndex, "index entry for version 3"},
		{"index entry at the wrong position", func(t *testing.T, tx *bolt.Tx) {
			tx.Bucket([]byte("stream_index")).Put(indexKey("b", 2), pos(4))
		}, nil, eventstore.ProblemStreamIndex, "puts version 2 at position 4"},
		{"version gap", func(t *testing.T, tx *bolt.Tx) {
			e := record(t, tx, 4)
			e.Stream, e.Version, e.Type, e.Data = "a", 5, "T", []byte(`{}`)
			tx.Bucket([]byte("events")).Put(pos(4), eventstore.EncodeRecord(e))
		}, nil, eventstore.ProblemStreamVersion, "version 5 follows version 2"},
		{"event id stored twice", func(t *testing.T, tx *bolt.Tx) {
			first := record(t, tx, 1)
			e := record(t, tx, 5)
			e.ID, e.Stream, e.Version, e.Type, e.Data = first.ID, "b", 2, "T", []byte(`{}`)
			tx.Bucket([]byte("events")).Put(pos(5), eventstore.EncodeRecord(e))
		}, nil, eventstore.ProblemEventID, "stored twice, also at position 1"},
		{"id index entry missing", func(t *testing.T, tx *bolt.Tx) {
			e := record(t, tx, 2)
			tx.Bucket([]byte("event_ids")).Delete(e.ID[:])
		}, nil, eventstore.ProblemEventID, "is not in the id index"},
		{"reservation of a stream without events", func(t *testing.T, tx *bolt.Tx) {
			claim(t, tx, []byte("z\x00key-z"))
		}, nil, eventstore.ProblemReservation, "held by a stream without events"},
		{"key claimed twice", func(t *testing.T, tx *bolt.Tx) {
			claim(t, tx, []byte("b\x00key-a"))
		}, nil, eventstore.ProblemReservation, "claimed twice"},
		{"claim without a stream", func(t *testing.T, tx *bolt.Tx) {
			claim(t, tx, []byte("key-y"))
		}, nil, eventstore.ProblemReservation, "malformed claim"},
		{"claim numbered past the sequence", func(t *testing.T, tx *bolt.Tx) {
			tx.Bucket([]byte("claims")).Put(pos(99), []byte("a\x00key-x"))
		}, nil, eventstore.ProblemReservation, "malformed claim"},
		{"data rejected", nil, func(e eventstore.Event) error {
			if e.Position == 4 {
				return errors.New("not a T")
			}
			return nil
		}, eventstore.ProblemData, "not a T"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := checkLog(t)
			if tt.damage != nil {
				damage(t, path, tt.damage)
			}
			r := check(t, path, eventstore.CheckOptions{Data: tt.data})
			if r.OK() {
				t.Fatal("Check found nothing")
			}
			var found bool
			for _, p := range r.Problems {
				found = found || p.Kind == tt.wantKind && strings.Contains(p.String(), tt.wantText)
			}
			if !found {
				t.Errorf("problems = %v, want a %s problem saying %q", r.Problems, tt.wantKind, tt.wantText)
			}
		})
	}
}

func TestCheckMaxProblems(t *testing.T) {
	path := checkLog(t)
	r := check(t, path, eventstore.CheckOptions{MaxProblems: 2, Data: func(eventstore.Event) error { return errors.New("no") }})
	if r.ProblemCount != 5 || len(r.Problems) != 2 {
		t.Errorf("ProblemCount %d, %d listed; want 5 and 2", r.ProblemCount, len(r.Problems))
	}
}

func TestOpenReadOnly(t *testing.T) {
	path := checkLog(t)
	ro, err := eventstore.Open(path, eventstore.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if h, _ := ro.Head(ctx); h != 5 {
		t.Errorf("Head = %d, want 5", h)
	}
	if evs, err := ro.ReadAll(ctx, 1, 0); err != nil || len(evs) != 5 {
		t.Errorf("ReadAll = %d events, %v; want 5", len(evs), err)
	}
	_, err = ro.Append(ctx, eventstore.AppendRequest{Stream: "a", Events: []eventstore.EventData{eventstoretest.NewEvent("T", 9)}})
	if !errors.Is(err, eventstore.ErrReadOnly) {
		t.Errorf("Append = %v, want ErrReadOnly", err)
	}
	// Readers share the lock; a writer waits for it.
	ro2, err := eventstore.Open(path, eventstore.Options{ReadOnly: true, LockTimeout: 50e6})
	if err != nil {
		t.Fatalf("a second read-only Open: %v", err)
	}
	ro2.Close()
	if w, err := eventstore.Open(path, eventstore.Options{LockTimeout: 50e6}); !errors.Is(err, eventstore.ErrLocked) {
		if err == nil {
			w.Close()
		}
		t.Errorf("Open for writing while read-only users hold the file = %v, want ErrLocked", err)
	}
	if err := ro.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if _, err := eventstore.Open(filepath.Join(t.TempDir(), "missing.db"), eventstore.Options{ReadOnly: true}); err == nil {
		t.Error("a read-only Open created a missing store")
	}
}
