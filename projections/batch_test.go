package projections_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/projections"
	bolt "go.etcd.io/bbolt"
)

// applyEach applies every event of the log to ps, one transaction per event and no batches: each
// event's change is read and written on its own, as before batching existed.
func applyEach(t *testing.T, store *eventstore.Store, db *projections.DB, ps ...projections.Projection) {
	t.Helper()
	head, _ := store.Head(context.Background())
	for from := uint64(1); from <= head; {
		events, err := store.ReadAll(context.Background(), from, eventstore.MaxReadLimit)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range events {
			err := db.Bolt().Update(func(tx *bolt.Tx) error {
				for _, p := range ps {
					for _, b := range p.Buckets() {
						if _, err := tx.CreateBucketIfNotExists(b); err != nil {
							return err
						}
					}
					if err := p.Apply(tx, e); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatalf("event %d: %v", e.Position, err)
			}
		}
		from += uint64(len(events))
	}
}

// TestBatchedEqualsEventByEvent: the read models Rebuild makes with batches (customers touched many
// times in one transaction decoded and encoded once) are byte for byte those of applying each
// event on its own.
func TestBatchedEqualsEventByEvent(t *testing.T) {
	dir := t.TempDir()
	store, err := eventstore.Open(filepath.Join(dir, "events.db"), eventstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	history(t, store, 30, 600, 11)
	manyChanges(t, store, 30, 9000) // more than one transaction of the rebuild
	head, _ := store.Head(context.Background())

	each, err := projections.OpenDB(filepath.Join(dir, "each.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer each.Close()
	applyEach(t, store, each, projections.NewSet(each, natID).All()...)

	batched := rebuilt(t, store, filepath.Join(dir, "batched.db"), head)
	for _, p := range projections.NewSet(batched, natID).All() {
		diffs, n, err := projections.Compare(batched, each, p, 10)
		if err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%s: batched rebuild differs from event by event in %d keys: %v", p.Name(), n, diffs)
		}
	}
}

// TestBatchDiesWithItsTransaction: what a batch kept is gone when its transaction fails, and
// Apply without a batch writes at once.
func TestBatchDiesWithItsTransaction(t *testing.T) {
	dir := t.TempDir()
	store, err := eventstore.Open(filepath.Join(dir, "events.db"), eventstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	history(t, store, 1, 0, 1)
	events, err := store.ReadAll(context.Background(), 1, 10)
	if err != nil || len(events) == 0 {
		t.Fatalf("log: %v, %v", events, err)
	}
	db, err := projections.OpenDB(filepath.Join(dir, "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c := projections.NewCustomers(db, natID)
	create := func(tx *bolt.Tx) error {
		if _, err := tx.CreateBucketIfNotExists([]byte("customers")); err != nil {
			return err
		}
		_, err := tx.CreateBucketIfNotExists([]byte("customer_natid"))
		return err
	}
	if err := db.Bolt().Update(create); err != nil {
		t.Fatal(err)
	}
	failed := errors.New("roll back")
	err = db.Bolt().Update(func(tx *bolt.Tx) error {
		c.BeginBatch(tx)
		defer c.EndBatch()
		if err := c.Apply(tx, events[0]); err != nil {
			return err
		}
		if err := c.FlushBatch(tx); err != nil {
			return err
		}
		return failed
	})
	if !errors.Is(err, failed) {
		t.Fatalf("Update = %v", err)
	}
	// Without a batch: the creation applies to an empty model (nothing of the failed batch is
	// left to make it "already created") and is stored at once.
	if err := db.Bolt().Update(func(tx *bolt.Tx) error { return c.Apply(tx, events[0]) }); err != nil {
		t.Fatalf("Apply after the failed batch: %v", err)
	}
	if _, found, err := c.Customer(context.Background(), "1000", "100"); err != nil || !found {
		t.Errorf("customer after a write-through Apply: found %v, %v", found, err)
	}
}
