package projections_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/projections"
	bolt "go.etcd.io/bbolt"
)

// counting wraps the customer projection (as a plain Projection: the runner calls its Apply),
// counts applied events and can claim another version.
type counting struct {
	c       *projections.Customers
	version uint32
	applied int
}

func (c *counting) Name() string      { return c.c.Name() }
func (c *counting) Buckets() [][]byte { return c.c.Buckets() }
func (c *counting) Version() uint32   { return c.version }
func (c *counting) Apply(tx *bolt.Tx, e projections.Event) error {
	c.applied++
	return c.c.Apply(tx, e)
}

// TestCodeVersionChangeRebuilds: the same projection version resumes from its checkpoint (applies
// nothing already applied); a new version drops the model and applies every event again.
func TestCodeVersionChangeRebuilds(t *testing.T) {
	dir := t.TempDir()
	store, err := eventstore.Open(filepath.Join(dir, "events.db"), eventstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	history(t, store, 5, 20, 4)
	head, _ := store.Head(context.Background())

	runOnce := func(version uint32) int {
		t.Helper()
		db, err := projections.OpenDB(filepath.Join(dir, "p.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		p := &counting{c: projections.NewCustomers(db, natID), version: version}
		r, _ := projections.NewRunner(db, quiet, p)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); r.Follow(ctx, store) }()
		wctx, wcancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer wcancel()
		if err := r.WaitFor(wctx, head); err != nil {
			t.Fatal(err)
		}
		cancel()
		<-done
		return p.applied
	}
	if n := runOnce(1); n != int(head) {
		t.Fatalf("first build applied %d events, want %d", n, head)
	}
	if n := runOnce(1); n != 0 {
		t.Fatalf("restart with the same version applied %d events, want 0", n)
	}
	if n := runOnce(2); n != int(head) {
		t.Fatalf("a new code version applied %d events, want a full rebuild of %d", n, head)
	}
}
