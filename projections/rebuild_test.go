package projections_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/projections"
	bolt "go.etcd.io/bbolt"
)

// rebuilt rebuilds ledgerd's projections into a new file up to upTo and returns it open.
func rebuilt(t *testing.T, store *eventstore.Store, path string, upTo uint64) *projections.DB {
	t.Helper()
	db, err := projections.OpenDB(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	var reached []uint64
	if err := projections.Rebuild(context.Background(), db, store, upTo, func(p uint64) { reached = append(reached, p) },
		projections.NewSet(db, natID).All()...); err != nil {
		t.Fatalf("Rebuild: %v", err)
	}
	if upTo > 0 && (len(reached) == 0 || reached[len(reached)-1] != upTo) {
		t.Errorf("progress reached %v, want it to end at %d", reached, upTo)
	}
	return db
}

func compare(t *testing.T, got, want *projections.DB) []projections.Difference {
	t.Helper()
	diffs, n, err := projections.Compare(got, want, projections.NewSet(got, natID).Customers, 10)
	if err != nil {
		t.Fatal(err)
	}
	if n != len(diffs) && len(diffs) < 10 {
		t.Errorf("Compare counted %d differences and listed %d", n, len(diffs))
	}
	return diffs
}

// manyChanges appends n e-mail changes to the first customers of history's ledger, 1000 events
// per append: a long log, quickly.
func manyChanges(t *testing.T, store *eventstore.Store, customers, n int) {
	t.Helper()
	for i := 0; i < n; i += 1000 {
		var events []eventstore.EventData
		for j := i; j < min(n, i+1000); j++ {
			email := fmt.Sprintf("m%d@example.com", j)
			typ, sv, data, err := domain.EncodeEvent(domain.CustomerDetailsChanged{Set: domain.DetailChanges{EmailAddress: &email}})
			if err != nil {
				t.Fatal(err)
			}
			events = append(events, eventstore.EventData{ID: uuid.Must(uuid.NewV7()), Type: typ, SchemaVersion: sv,
				Time: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), Actor: "t", Data: data})
		}
		stream := domain.StreamName("1000", fmt.Sprint(100+(i/1000)%customers))
		if _, err := store.Append(context.Background(), eventstore.AppendRequest{Stream: stream, ExpectedVersion: eventstore.StreamExists, Events: events}); err != nil {
			t.Fatal(err)
		}
	}
}

// TestRebuildEqualsRunner: an offline rebuild makes the read model the runner makes, and a runner
// resumes a file rebuilt part of the way.
func TestRebuildEqualsRunner(t *testing.T) {
	dir := t.TempDir()
	store, err := eventstore.Open(filepath.Join(dir, "events.db"), eventstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	history(t, store, 20, 200, 5)
	manyChanges(t, store, 20, 9000) // more than one read of MaxReadLimit events
	head, _ := store.Head(context.Background())

	_, r, stop := run(t, store, filepath.Join(dir, "live.db"))
	waitHead(t, store, r)
	stop()
	live, err := projections.OpenReadOnly(filepath.Join(dir, "live.db"), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()

	fresh := rebuilt(t, store, filepath.Join(dir, "fresh.db"), head)
	if diffs := compare(t, fresh, live); len(diffs) != 0 {
		t.Fatalf("rebuild differs from the runner's model: %v", diffs)
	}
	st, err := fresh.State(projections.CustomersName)
	if v := projections.NewCustomers(nil, nil).Version(); err != nil || st != (projections.State{Built: true, Version: v, Checkpoint: head}) {
		t.Errorf("State = %+v, %v; want built, version %d, checkpoint %d", st, err, v, head)
	}

	half := filepath.Join(dir, "half.db")
	db := rebuilt(t, store, half, head/2)
	if diffs := compare(t, db, live); len(diffs) == 0 {
		t.Fatal("a rebuild to half the log equals the whole")
	}
	db.Close()
	_, r, stop = run(t, store, half)
	waitHead(t, store, r)
	stop()
	resumed, err := projections.OpenReadOnly(half, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer resumed.Close()
	if diffs := compare(t, resumed, live); len(diffs) != 0 {
		t.Fatalf("a runner resuming a partial rebuild differs: %v", diffs)
	}
}

func TestRebuildBeyondTheLog(t *testing.T) {
	dir := t.TempDir()
	store, err := eventstore.Open(filepath.Join(dir, "events.db"), eventstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	history(t, store, 2, 3, 1)
	head, _ := store.Head(context.Background())
	db, err := projections.OpenDB(filepath.Join(dir, "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = projections.Rebuild(context.Background(), db, store, head+1, nil, projections.NewSet(db, natID).All()...)
	if gap := new(projections.GapError); !errors.As(err, &gap) {
		t.Errorf("Rebuild past the head = %v, want a GapError", err)
	}
}

func TestCompareAndCopy(t *testing.T) {
	dir := t.TempDir()
	store, err := eventstore.Open(filepath.Join(dir, "events.db"), eventstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	history(t, store, 5, 20, 3)
	head, _ := store.Head(context.Background())
	want := rebuilt(t, store, filepath.Join(dir, "want.db"), head)
	got := rebuilt(t, store, filepath.Join(dir, "got.db"), head)

	err = got.Bolt().Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("customers"))
		v := append([]byte(nil), b.Get([]byte("1000/101"))...)
		v[10] ^= 1
		return errors.Join(b.Put([]byte("1000/101"), v), b.Delete([]byte("1000/103")), b.Put([]byte("1000/999"), []byte("{}")))
	})
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, d := range compare(t, got, want) {
		texts = append(texts, d.String())
	}
	wantTexts := []string{"customers 1000/101: values differ from byte 10", "customers 1000/103: missing", "customers 1000/999: not expected (2 bytes)"}
	if len(texts) != len(wantTexts) {
		t.Fatalf("differences = %q, want %d", texts, len(wantTexts))
	}
	for i, w := range wantTexts {
		if !strings.HasPrefix(texts[i], w) {
			t.Errorf("difference %d = %q, want it to start %q", i, texts[i], w)
		}
	}

	// Copying the projection from want repairs got.
	if err := projections.CopyProjection(got, want, projections.NewSet(want, natID).Customers); err != nil {
		t.Fatal(err)
	}
	if diffs := compare(t, got, want); len(diffs) != 0 {
		t.Errorf("after CopyProjection: %v", diffs)
	}
	if st, _ := got.State(projections.CustomersName); st.Checkpoint != head {
		t.Errorf("copied checkpoint %d, want %d", st.Checkpoint, head)
	}
}

func TestOpenReadOnlyLeavesTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.db")
	db, err := projections.OpenDB(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := projections.OpenReadOnly(path, 50*time.Millisecond); !errors.Is(err, projections.ErrLocked) {
		t.Errorf("OpenReadOnly of a file held by OpenDB = %v, want ErrLocked", err)
	}
	db.Close()
	ro, err := projections.OpenReadOnly(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if err := projections.Rebuild(context.Background(), ro, nil, 0, nil); err == nil {
		t.Error("Rebuild of a read-only file succeeded")
	}
	if err := ro.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := projections.OpenReadOnly(filepath.Join(t.TempDir(), "none.db"), time.Second); err == nil {
		t.Error("OpenReadOnly of a missing file succeeded")
	}
}

func TestSetSelect(t *testing.T) {
	set := projections.NewSet(nil, natID)
	if got := set.Names(); !slices.Equal(got, []string{"customers", "audit"}) {
		t.Errorf("Names() = %q", got)
	}
	if ps, err := set.Select("all"); err != nil || len(ps) != len(set.All()) {
		t.Errorf("Select(all) = %d, %v", len(ps), err)
	}
	if ps, err := set.Select("customers"); err != nil || len(ps) != 1 || ps[0] != set.Customers {
		t.Errorf("Select(customers) = %v, %v", ps, err)
	}
	if _, err := set.Select("nope"); err == nil || !strings.Contains(err.Error(), "known: customers, audit") {
		t.Errorf("Select(nope) = %v", err)
	}
}
