package projections_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nordledger/ledger/domain"
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

// TestCustomerReadsFollowChanges: reads served from decoded states remembered by the
// projection still show every change as soon as it is applied.
func TestCustomerReadsFollowChanges(t *testing.T) {
	dir := t.TempDir()
	store, err := eventstore.Open(filepath.Join(dir, "events.db"), eventstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	history(t, store, 3, 0, 1)
	customers, r, stop := run(t, store, filepath.Join(dir, "p.db"))
	defer stop()
	waitHead(t, store, r)
	for round := range 5 {
		for range 2 { // the second read is served from the remembered state
			s, found, err := customers.Customer(context.Background(), "1000", "101")
			if err != nil || !found || s.Version != uint64(1+round) {
				t.Fatalf("round %d: version %d, found %v, %v; want version %d", round, s.Version, found, err, 1+round)
			}
			s.LegalAddress.City = "changed by the reader" // must not reach the next read
		}
		manyChangesOf(t, store, "101", 1)
		waitHead(t, store, r)
	}
	s, _, _ := customers.Customer(context.Background(), "1000", "101")
	if s.LegalAddress.City == "changed by the reader" {
		t.Error("a reader's change of a returned state reached the read model")
	}
}

// manyChangesOf appends n e-mail changes to customer no of ledger 1000, in one append.
func manyChangesOf(t *testing.T, store *eventstore.Store, no string, n int) {
	t.Helper()
	var events []eventstore.EventData
	for i := range n {
		email := fmt.Sprintf("c%d.%d@example.com", i, time.Now().UnixNano())
		typ, sv, data, err := domain.EncodeEvent(domain.CustomerDetailsChanged{Set: domain.DetailChanges{EmailAddress: &email}})
		if err != nil {
			t.Fatal(err)
		}
		events = append(events, eventstore.EventData{ID: uuid.Must(uuid.NewV7()), Type: typ, SchemaVersion: sv, Time: time.Now(), Actor: "t", Data: data})
	}
	if _, err := store.Append(context.Background(), eventstore.AppendRequest{Stream: domain.StreamName("1000", no), Events: events}); err != nil {
		t.Fatal(err)
	}
}

// TestCustomerPagesFilled: customers created in key order fill the pages of the customers
// bucket instead of leaving each split page half empty for good (bbolt's default: 42% here, in
// both files). A rebuild fills them; one transaction per event fills them to 72% (bbolt leaves
// at least two keys for the right-hand page of a split: five of these states a page, not six).
func TestCustomerPagesFilled(t *testing.T) {
	dir := t.TempDir()
	store, err := eventstore.Open(filepath.Join(dir, "events.db"), eventstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	history(t, store, 800, 0, 5) // customer numbers 100 to 899: in key order
	head, _ := store.Head(context.Background())
	each, err := projections.OpenDB(filepath.Join(dir, "each.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer each.Close()
	applyEach(t, store, each, projections.NewSet(each, natID).All()...)
	for name, c := range map[string]struct {
		db   *projections.DB
		fill float64
	}{"rebuilt": {rebuilt(t, store, filepath.Join(dir, "rebuilt.db"), head), 0.9}, "event by event": {each, 0.7}} {
		c.db.Bolt().View(func(tx *bolt.Tx) error {
			s := tx.Bucket([]byte("customers")).Stats()
			if s.KeyN != 800 || s.LeafPageN < 2 || float64(s.LeafInuse) < c.fill*float64(s.LeafAlloc) {
				t.Errorf("%s: %d customers on %d leaf pages, %d of %d bytes used", name, s.KeyN, s.LeafPageN, s.LeafInuse, s.LeafAlloc)
			}
			return nil
		})
	}
}
