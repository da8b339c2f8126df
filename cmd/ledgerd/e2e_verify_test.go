package main

// Offline checks of a data directory for the fault tests: the event log's integrity (what
// `ledgerctl verify` checks of the log) and every read model equal to a fresh rebuild from the log
// (what `ledgerctl verify` checks of projections.db). ledgerd must not be running.

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/internal/app"
	"github.com/nordledger/ledger/internal/datadir"
	"github.com/nordledger/ledger/projections"
)

// checkLog runs the event store's full check (positions gap-free, records intact, stream versions
// contiguous, ids unique, reservations held, every event's data decodable) and returns the head.
func checkLog(t *testing.T, dir string) uint64 {
	t.Helper()
	st, err := eventstore.Open(filepath.Join(dir, "events.db"), eventstore.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("opening the event log: %v", err)
	}
	defer st.Close()
	rep, err := st.Check(context.Background(), eventstore.CheckOptions{Data: func(e eventstore.Event) error {
		_, err := domain.DecodeEvent(e.Type, e.SchemaVersion, e.Data)
		return err
	}})
	if err != nil {
		t.Fatalf("checking the event log: %v", err)
	}
	if !rep.OK() {
		t.Fatalf("the event log has %d problems: %v", rep.ProblemCount, rep.Problems)
	}
	return rep.Head
}

// compareProjections compares every read model in dir's projections.db with a fresh rebuild from
// the log up to the read model's checkpoint, and returns the lowest checkpoint. A read model that
// is not built is reported unless allowUnbuilt.
func compareProjections(t *testing.T, dir string, allowUnbuilt bool) uint64 {
	t.Helper()
	return compareReadModels(t, dir, dir, allowUnbuilt)
}

// compareReadModels is compareProjections of the read models in modelDir (a reader replica's
// data directory) against rebuilds from the log, keys and national-identifier key in logDir
// (its writer's, stopped).
func compareReadModels(t *testing.T, logDir, modelDir string, allowUnbuilt bool) uint64 {
	t.Helper()
	dir := logDir
	ctx := context.Background()
	key, _, err := datadir.EnsureSecret(filepath.Join(dir, "reservation.key"))
	if err != nil {
		t.Fatal(err)
	}
	natID := func(ledgerNo string, ni domain.NationalIdentifier) string {
		return app.NationalIDKey(key, ledgerNo, ni)
	}
	store, err := eventstore.Open(filepath.Join(dir, "events.db"), eventstore.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("opening the event log: %v", err)
	}
	defer store.Close()
	head, _ := store.Head(ctx)
	db, err := projections.OpenReadOnly(filepath.Join(modelDir, "projections.db"), 5*time.Second)
	if err != nil {
		t.Fatalf("opening the read models: %v", err)
	}
	defer db.Close()
	lowest := head
	pd, closeKeys := dataDirProtector(t, dir)
	defer closeKeys()
	for _, p := range projections.NewSet(db, natID).Protect(pd).All() {
		st, err := db.State(p.Name())
		if err != nil {
			t.Fatalf("read model %s: %v", p.Name(), err)
		}
		if !st.Built {
			if !allowUnbuilt {
				t.Errorf("read model %s is not built", p.Name())
			}
			lowest = 0
			continue
		}
		if st.Checkpoint > head {
			t.Errorf("read model %s is at position %d, beyond the log's head %d", p.Name(), st.Checkpoint, head)
		}
		lowest = min(lowest, st.Checkpoint)
		fresh, err := projections.OpenDB(filepath.Join(t.TempDir(), "fresh.db"))
		if err != nil {
			t.Fatal(err)
		}
		ps, _ := projections.NewSet(fresh, natID).Protect(pd).Select(p.Name())
		if err := projections.Rebuild(ctx, fresh, store, st.Checkpoint, nil, ps...); err != nil {
			t.Fatalf("rebuilding %s: %v", p.Name(), err)
		}
		diffs, n, err := projections.Compare(db, fresh, ps[0], 10)
		fresh.Close()
		if err != nil {
			t.Fatalf("comparing %s: %v", p.Name(), err)
		}
		if n > 0 {
			t.Errorf("read model %s differs from a rebuild to position %d in %d keys: %v", p.Name(), st.Checkpoint, n, diffs)
		}
	}
	return lowest
}
