package eventstore_test

import (
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/eventstore/eventstoretest"
	bolt "go.etcd.io/bbolt"
)

// TestClaimsRolledBackLeaveNoTrace: a group whose transaction fails leaves the unique keys as
// they were — a claim it made is free, a release it made still holds — in the file and in the
// look-up the writer keeps in memory.
func TestClaimsRolledBackLeaveNoTrace(t *testing.T) {
	s, err := eventstore.Open(filepath.Join(t.TempDir(), "events.db"), eventstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	appendOne := func(stream string, expected eventstore.ExpectedVersion, i int, claims, releases []string) error {
		_, err := s.Append(ctx, eventstore.AppendRequest{Stream: stream, ExpectedVersion: expected,
			Events: []eventstore.EventData{eventstoretest.NewEvent("T", i)}, Claims: claims, Releases: releases})
		return err
	}
	if err := appendOne("a", eventstore.NoStream, 1, []string{"held"}, nil); err != nil {
		t.Fatal(err)
	}
	failure := errors.New("the disk is full")
	restore := eventstore.SetCommitFault(func() error { return failure })
	if err := appendOne("b", eventstore.NoStream, 2, []string{"new"}, nil); !errors.Is(err, eventstore.ErrWriteFailed) {
		t.Fatalf("claim in a failed transaction: %v", err)
	}
	if err := appendOne("a", eventstore.Exact(1), 3, nil, []string{"held"}); !errors.Is(err, eventstore.ErrWriteFailed) {
		t.Fatalf("release in a failed transaction: %v", err)
	}
	restore()
	if err := appendOne("c", eventstore.NoStream, 4, []string{"new"}, nil); err != nil {
		t.Fatalf("claiming a key a failed transaction claimed: %v", err)
	}
	if err := appendOne("d", eventstore.NoStream, 5, []string{"held"}, nil); !errors.Is(err, eventstore.ErrReservationConflict) {
		t.Fatalf("claiming a key a failed transaction released: %v", err)
	}
	for key, want := range map[string]string{"held": "a", "new": "c"} {
		if h, _, _ := s.ReservationHolder(ctx, key); h != want {
			t.Errorf("%s is held by %q, want %q", key, h, want)
		}
	}
}

// TestClaimsLookupReadAgainAfterAFailedCommit: after a commit fails, the writer cannot tell
// whether the file holds the transaction (bbolt writes its meta page before the fsync that may
// fail, and then reads its meta from the file) while the in-memory look-up of the unique keys
// never learnt its claims; it reads the look-up again from the file before the next transaction,
// so a key the file holds is never claimed a second time.
func TestClaimsLookupReadAgainAfterAFailedCommit(t *testing.T) {
	s, err := eventstore.Open(filepath.Join(t.TempDir(), "events.db"), eventstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	appendOne := func(stream string, i int, claims []string) error {
		_, err := s.Append(ctx, eventstore.AppendRequest{Stream: stream, ExpectedVersion: eventstore.NoStream,
			Events: []eventstore.EventData{eventstoretest.NewEvent("T", i)}, Claims: claims})
		return err
	}
	if err := appendOne("a", 1, []string{"held"}); err != nil {
		t.Fatal(err)
	}
	s.LoseClaimsLookup() // the file holds a claim the look-up does not, as after such a commit
	restore := eventstore.SetCommitFault(func() error { return errors.New("fdatasync: input/output error") })
	if err := appendOne("b", 2, []string{"other"}); !errors.Is(err, eventstore.ErrWriteFailed) {
		restore()
		t.Fatalf("append in a failing commit: %v", err)
	}
	restore()
	if err := appendOne("c", 3, []string{"held"}); !errors.Is(err, eventstore.ErrReservationConflict) {
		t.Fatalf("claiming a key the file holds, after a failed commit: %v; want a reservation conflict", err)
	}
	if h, _, _ := s.ReservationHolder(ctx, "held"); h != "a" {
		t.Errorf("held is held by %q, want a", h)
	}
}

// TestOpenUpgradesFormat1: a log written by store format 1 (testdata/format1.db.gz, made by the
// code before format 2: streams a to d and s000 to s199; a holds k1 and k2, b k3, d k5 — which c
// held and released —, k4 was claimed and released, sNNN holds key-NNN) is read as it is when
// opened read-only, and upgraded to format 2 when opened for writing, with every key held as
// before: kept, enforced and checked.
func TestOpenUpgradesFormat1(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.db")
	gunzip(t, "testdata/format1.db.gz", path)
	want := map[string]string{"k1": "a", "k2": "a", "k3": "b", "k4": "", "k5": "d", "key-000": "s000", "key-123": "s123", "key-199": "s199"}
	holders := func(s *eventstore.Store, stage string) {
		t.Helper()
		for key, stream := range want {
			h, ok, err := s.ReservationHolder(context.Background(), key)
			if err != nil || h != stream || ok != (stream != "") {
				t.Errorf("%s: holder of %s = %q, %v, %v; want %q", stage, key, h, ok, err, stream)
			}
		}
		r, err := s.Check(context.Background(), eventstore.CheckOptions{})
		if err != nil || !r.OK() || r.Reservations != 204 || r.Events != 206 {
			t.Errorf("%s: check = %+v, %v; want no problems, 204 keys, 206 events", stage, r, err)
		}
	}
	ro, err := eventstore.Open(path, eventstore.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	holders(ro, "read-only, format 1")
	if ro.UpgradedFrom() != 0 {
		t.Errorf("a read-only open says it upgraded from format %d", ro.UpgradedFrom())
	}
	if err := ro.Close(); err != nil {
		t.Fatal(err)
	}
	if f := format(t, path); f != 1 {
		t.Fatalf("a read-only open changed the format to %d", f)
	}

	s, err := eventstore.Open(path, eventstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	holders(s, "upgraded")
	if s.UpgradedFrom() != 1 {
		t.Errorf("UpgradedFrom = %d, want 1", s.UpgradedFrom())
	}
	ctx := context.Background()
	if _, err := s.Append(ctx, eventstore.AppendRequest{Stream: "x", Events: []eventstore.EventData{eventstoretest.NewEvent("T", 1)}, Claims: []string{"key-123"}}); !errors.Is(err, eventstore.ErrReservationConflict) {
		t.Errorf("claiming a key format 1 held: %v", err)
	}
	if _, err := s.Append(ctx, eventstore.AppendRequest{Stream: "x", Events: []eventstore.EventData{eventstoretest.NewEvent("T", 2)}, Claims: []string{"k4"}}); err != nil {
		t.Errorf("claiming a key format 1 released: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if f := format(t, path); f != 2 {
		t.Fatalf("format after a writable open = %d, want 2", f)
	}
	want["k4"] = "x"
	s, err = eventstore.Open(path, eventstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if s.UpgradedFrom() != 0 {
		t.Errorf("the second writable open says it upgraded from format %d", s.UpgradedFrom())
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	ro, err = eventstore.Open(path, eventstore.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	for key, stream := range want {
		if h, _, _ := ro.ReservationHolder(ctx, key); h != stream {
			t.Errorf("after the upgrade and a reopen: holder of %s = %q, want %q", key, h, stream)
		}
	}
	if r, err := ro.Check(ctx, eventstore.CheckOptions{}); err != nil || !r.OK() || r.Reservations != 205 {
		t.Errorf("after the upgrade: check = %+v, %v", r, err)
	}
}

// format reads the store format from the file's meta bucket.
func format(t *testing.T, path string) uint32 {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var f uint32
	err = db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket([]byte("meta")).Get([]byte("format"))
		if len(v) != 4 {
			return fmt.Errorf("format %x", v)
		}
		f = uint32(v[0])<<24 | uint32(v[1])<<16 | uint32(v[2])<<8 | uint32(v[3])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func gunzip(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	zr, err := gzip.NewReader(in)
	if err != nil {
		t.Fatal(err)
	}
	out, err := os.OpenFile(to, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, zr); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}
