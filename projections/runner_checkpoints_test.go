package projections_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/projections"
	bolt "go.etcd.io/bbolt"
)

// recording is a projection of ledgerd's set that records the positions it applies and can claim
// another code version. Embedding the Batcher keeps the projection's batches.
type recording struct {
	projections.Batcher
	version uint32 // 0: the projection's own
	applied []uint64
}

func (r *recording) Version() uint32 {
	if r.version != 0 {
		return r.version
	}
	return r.Batcher.Version()
}

func (r *recording) Apply(tx *bolt.Tx, e projections.Event) error {
	r.applied = append(r.applied, e.Position)
	return r.Batcher.Apply(tx, e)
}

// recordingSet wraps every projection of ledgerd's set over db in a recording.
func recordingSet(t *testing.T, db *projections.DB) []*recording {
	t.Helper()
	var out []*recording
	for _, p := range projections.NewSet(db, natID).All() {
		b, ok := p.(projections.Batcher)
		if !ok {
			t.Fatalf("%s is not a Batcher", p.Name())
		}
		out = append(out, &recording{Batcher: b})
	}
	return out
}

// runToHead runs one runner of rs over db, fed by the local log, until it reaches the log's head,
// and stops it. It returns the runner's positions by name.
func runToHead(t *testing.T, store *eventstore.Store, db *projections.DB, rs []*recording) map[string]uint64 {
	t.Helper()
	var ps []projections.Projection
	for _, r := range rs {
		ps = append(ps, r)
	}
	r, err := projections.NewRunner(db, quiet, ps...)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Follow(ctx, store) }()
	waitHead(t, store, r)
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("runner: %v", err)
	}
	return r.Positions()
}

// positions returns from+1 to to.
func positions(from, to uint64) []uint64 {
	var out []uint64
	for p := from + 1; p <= to; p++ {
		out = append(out, p)
	}
	return out
}

// checkCaughtUp checks that every projection of rs applied exactly the events after its
// checkpoint before the run (from, by name), that the runner and the file both hold the head for
// each, and that the read models equal a rebuild's byte for byte.
func checkCaughtUp(t *testing.T, store *eventstore.Store, db *projections.DB, rs []*recording, from, got map[string]uint64) {
	t.Helper()
	head, _ := store.Head(context.Background())
	fresh := rebuilt(t, store, filepath.Join(t.TempDir(), "fresh.db"), head)
	for _, r := range rs {
		name := r.Name()
		if want := positions(from[name], head); !slices.Equal(r.applied, want) {
			t.Errorf("%s applied %d events (%v...), want %d to %d once each", name, len(r.applied), r.applied[:min(len(r.applied), 5)], from[name]+1, head)
		}
		if got[name] != head {
			t.Errorf("Positions()[%s] = %d, want %d", name, got[name], head)
		}
		if st, err := db.State(name); err != nil || st.Checkpoint != head || st.Version != r.Version() {
			t.Errorf("%s: state %+v, %v; want checkpoint %d, version %d", name, st, err, head, r.Version())
		}
		diffs, n, err := projections.Compare(db, fresh, r, 10)
		if err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%s differs from a rebuild in %d keys: %v", name, n, diffs)
		}
	}
}

// TestProjectionsAtDifferentCheckpoints: one runner feeds projections that start at different
// checkpoints (each built alone, offline, to its own position) from the lowest one; each applies
// exactly the events after its own checkpoint, in batches shared with the other, and all end at
// the head, equal to a rebuild.
func TestProjectionsAtDifferentCheckpoints(t *testing.T) {
	dir := t.TempDir()
	store, err := eventstore.Open(filepath.Join(dir, "events.db"), eventstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	history(t, store, 20, 300, 13)
	manyChanges(t, store, 20, 5000) // batches of more than one commit
	head, _ := store.Head(context.Background())

	for _, tc := range []struct {
		name      string
		customers uint64 // checkpoints before the run
		audit     uint64
	}{
		{"audit from the start", head / 2, 0},
		{"customers behind audit", head / 3, 2 * head / 3},
		{"customers one behind", head - 1, head},
		{"both at the head", head, head},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, err := projections.OpenDB(filepath.Join(t.TempDir(), "p.db"))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			set := projections.NewSet(db, natID)
			from := map[string]uint64{projections.CustomersName: tc.customers, projections.AuditName: tc.audit}
			for _, p := range set.All() {
				if err := projections.Rebuild(context.Background(), db, store, from[p.Name()], nil, p); err != nil {
					t.Fatal(err)
				}
			}
			rs := recordingSet(t, db)
			got := runToHead(t, store, db, rs)
			checkCaughtUp(t, store, db, rs, from, got)
		})
	}
}

// TestCodeVersionChangeRebuildsOneProjection: a new code version of one projection resets it in
// the runner's preparation; the one runner rebuilds it from the start of the log while the other
// projection, current, applies only the events after its checkpoint; both end equal to a rebuild.
func TestCodeVersionChangeRebuildsOneProjection(t *testing.T) {
	dir := t.TempDir()
	store, err := eventstore.Open(filepath.Join(dir, "events.db"), eventstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	history(t, store, 20, 300, 17)
	db, err := projections.OpenDB(filepath.Join(dir, "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	first, _ := store.Head(context.Background())
	rs := recordingSet(t, db)
	got := runToHead(t, store, db, rs)
	checkCaughtUp(t, store, db, rs, map[string]uint64{}, got)

	manyChanges(t, store, 20, 3000) // while the runner is down
	rs = recordingSet(t, db)
	for _, r := range rs {
		if r.Name() == projections.AuditName {
			r.version = r.Batcher.Version() + 1
		}
	}
	got = runToHead(t, store, db, rs)
	checkCaughtUp(t, store, db, rs, map[string]uint64{projections.CustomersName: first, projections.AuditName: 0}, got)
}
