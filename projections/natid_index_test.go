package projections_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/internal/app"
	"github.com/nordledger/ledger/projections"
	bolt "go.etcd.io/bbolt"
)

// TestNationalIDIndexInMemory: find-customer's index is looked up in memory (natid_index.go).
// A process that opens the file finds every customer the file holds; a rebuilt file finds the
// same customers; a forgotten customer is found neither by the process that applied the forget
// nor by one that opens the file afterwards; a creation is found once its transaction commits.
func TestNationalIDIndexInMemory(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	l := newSealedLog(t, dir)
	ni := func(i int) domain.NationalIdentifier {
		return domain.NationalIdentifier{RegNo: personnummer[i], CountryCode: "SE"}
	}
	findAll := func(t *testing.T, set *projections.Set, except int) {
		t.Helper()
		for i := range 10 {
			no, found, err := set.Customers.FindByNationalID(ctx, "1000", ni(i))
			switch {
			case err != nil:
				t.Fatalf("find %d: %v", i, err)
			case i == except && found:
				t.Fatalf("customer %d found (%s) after it was forgotten", 500+i, no)
			case i != except && (!found || no != fmt.Sprint(500+i)):
				t.Fatalf("find %d: %q %v, want 50%d", i, no, found, i)
			}
		}
	}
	// The file, applied by a runner, then opened again by another process's set.
	path := filepath.Join(dir, "live.db")
	_, set, r, stop := l.follow(t, path)
	waitHead(t, l.store, r)
	findAll(t, set, -1)
	if _, err := l.h.Forget(ctx, domain.LedgerPolicy{LedgerNo: "1000", CountryCode: "SE"}, "503", app.Meta{Actor: "dpo", Time: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	waitHead(t, l.store, r)
	findAll(t, set, 3)
	stop()
	db, err := projections.OpenDB(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	findAll(t, projections.NewSet(db, natID).Protect(l.pd), 3)
	findAll(t, projections.NewSet(l.rebuild(t, filepath.Join(dir, "rebuilt.db")), natID).Protect(l.pd), 3)

	// One customer's creation applied to an empty file whose index was read already is found
	// once its transaction commits (natid_index_internal_test.go: rolled back ones are not).
	empty, err := projections.OpenDB(filepath.Join(dir, "empty.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer empty.Close()
	fresh := projections.NewSet(empty, natID).Protect(l.pd)
	if _, err := projections.NewRunner(empty, quiet, fresh.All()...); err != nil { // creates the buckets, reads the index
		t.Fatal(err)
	}
	events, err := l.store.ReadStream(ctx, domain.StreamName("1000", "505"), 0, 1)
	if err != nil || len(events) != 1 || events[0].Type != "CustomerCreated" {
		t.Fatalf("505's first event: %v %v", events, err)
	}
	if _, found, _ := fresh.Customers.FindByNationalID(ctx, "1000", ni(5)); found {
		t.Fatal("found in an empty file")
	}
	if err := empty.Bolt().Update(func(tx *bolt.Tx) error { return fresh.Customers.Apply(tx, events[0]) }); err != nil {
		t.Fatal(err)
	}
	if no, found, _ := fresh.Customers.FindByNationalID(ctx, "1000", ni(5)); !found || no != "505" {
		t.Fatalf("after the commit: %q %v", no, found)
	}
}
