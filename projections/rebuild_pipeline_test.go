package projections_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/projections"
	bolt "go.etcd.io/bbolt"
)

// failingLog is a log whose read from position failAt fails. It counts its reads, and the reads
// that start after its rebuild returned (done).
type failingLog struct {
	store  *eventstore.Store
	failAt uint64
	reads  atomic.Int64
	done   atomic.Bool
	late   *atomic.Int64
}

var errRead = errors.New("the disk went away")

func (l *failingLog) ReadAll(ctx context.Context, from uint64, limit int) ([]projections.Event, error) {
	l.reads.Add(1)
	if l.done.Load() {
		l.late.Add(1)
	}
	if from == l.failAt {
		return nil, errRead
	}
	return l.store.ReadAll(ctx, from, limit)
}

// failingProjection fails on the event at position failAt.
type failingProjection struct{ failAt uint64 }

var errApply = errors.New("cannot apply")

func (failingProjection) Name() string      { return "failing" }
func (failingProjection) Version() uint32   { return 1 }
func (failingProjection) Buckets() [][]byte { return [][]byte{[]byte("failing")} }
func (p failingProjection) Apply(tx *bolt.Tx, e projections.Event) error {
	if e.Position == p.failAt {
		return errApply
	}
	return tx.Bucket([]byte("failing")).Put([]byte(e.ID.String()), nil)
}

// TestRebuildStopsReadingAhead: the next read is read and prepared while a transaction applies
// the current one; a failed read, a failed Apply and a cancelled context each end the rebuild
// with their error, the reading goroutine ended with it (no read starts afterwards), and what
// was committed before stays.
func TestRebuildStopsReadingAhead(t *testing.T) {
	dir := t.TempDir()
	store, err := eventstore.Open(filepath.Join(dir, "events.db"), eventstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	history(t, store, 20, 0, 1)
	manyChanges(t, store, 20, 3*eventstore.MaxReadLimit) // four reads
	head, _ := store.Head(context.Background())
	db, err := projections.OpenDB(filepath.Join(dir, "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	set := projections.NewSet(db, natID)
	var late atomic.Int64
	rebuild := func(ctx context.Context, log *failingLog, progress func(uint64), ps ...projections.Projection) error {
		log.late = &late
		defer log.done.Store(true)
		return projections.Rebuild(ctx, db, log, head, progress, ps...)
	}
	defer func() {
		if n := late.Load(); n != 0 {
			t.Errorf("%d reads started after their Rebuild returned", n)
		}
	}()
	second := uint64(eventstore.MaxReadLimit + 1) // the first position of the second read

	t.Run("read fails", func(t *testing.T) {
		log := &failingLog{store: store, failAt: second}
		var reached []uint64
		err := rebuild(context.Background(), log, func(p uint64) { reached = append(reached, p) }, set.All()...)
		if !errors.Is(err, errRead) {
			t.Fatalf("Rebuild = %v, want the read's error", err)
		}
		if len(reached) != 1 || reached[0] != second-1 {
			t.Errorf("progress %v, want the first read committed", reached)
		}
		if st, _ := db.State(projections.AuditName); st.Checkpoint != second-1 {
			t.Errorf("audit checkpoint %d, want %d", st.Checkpoint, second-1)
		}
		if n := log.reads.Load(); n != 2 {
			t.Errorf("%d reads, want 2 (none after the failed one)", n)
		}
	})
	t.Run("apply fails", func(t *testing.T) {
		log := &failingLog{store: store}
		err := rebuild(context.Background(), log, nil, append(set.All(), failingProjection{failAt: second + 5})...)
		if !errors.Is(err, errApply) {
			t.Fatalf("Rebuild = %v, want the projection's error", err)
		}
		if n := log.reads.Load(); n < 2 || n > 4 {
			t.Errorf("%d reads, want the failing one and at most two ahead", n)
		}
		if st, _ := db.State(projections.CustomersName); st.Checkpoint != second-1 {
			t.Errorf("customers checkpoint %d, want %d: the failed transaction rolled back", st.Checkpoint, second-1)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		log := &failingLog{store: store}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		err := rebuild(ctx, log, func(uint64) { cancel() }, set.All()...)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Rebuild = %v, want context.Canceled", err)
		}
		if n := log.reads.Load(); n > 3 {
			t.Errorf("%d reads, want the first and at most two ahead", n)
		}
	})
	t.Run("whole", func(t *testing.T) {
		log := &failingLog{store: store}
		if err := rebuild(context.Background(), log, nil, append(set.All(), failingProjection{})...); err != nil {
			t.Fatal(err)
		}
		if n := log.reads.Load(); n != 4 {
			t.Errorf("%d reads, want 4", n)
		}
		for _, name := range []string{projections.CustomersName, projections.AuditName, "failing"} {
			if st, _ := db.State(name); st.Checkpoint != head {
				t.Errorf("%s checkpoint %d, want %d", name, st.Checkpoint, head)
			}
		}
	})
}
