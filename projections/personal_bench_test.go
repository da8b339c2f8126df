package projections_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/eventstore/personal"
	"github.com/nordledger/ledger/internal/app"
	"github.com/nordledger/ledger/projections"
)

// BenchmarkRebuildSealed is BenchmarkRebuild's history (1,000 customers, 9,000 changes) written
// twice in one run — in the clear (the old form) and sealed — and the customer read model built
// from each through the Watermill router and the local-log feed: the cost of opening sealed
// events and sealing the states. Reports events/s.
func BenchmarkRebuildSealed(b *testing.B) {
	dir := b.TempDir()
	plain, err := eventstore.Open(filepath.Join(dir, "plain.db"), eventstore.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer plain.Close()
	history(b, plain, 1000, 9000, 7)
	sealed, err := eventstore.Open(filepath.Join(dir, "sealed.db"), eventstore.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer sealed.Close()
	ring, _ := personal.ParseMasterKeys(masterKey)
	keys, err := personal.OpenStore(filepath.Join(dir, "keys.db"), ring, personal.StoreOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer keys.Close()
	pd := personal.NewProtector(keys)
	historyWith(b, sealed, app.Config{ReservationKey: key, Protector: pd, Keys: keys}, 1000, 9000, 7)
	for _, run := range []struct {
		name  string
		store *eventstore.Store
		pd    *personal.Protector
	}{{"plain", plain, nil}, {"sealed", sealed, pd}} {
		b.Run(run.name, func(b *testing.B) {
			head, _ := run.store.Head(context.Background())
			for b.Loop() {
				db, err := projections.OpenDB(filepath.Join(b.TempDir(), "p"+time.Now().Format("150405.000000000")+".db"))
				if err != nil {
					b.Fatal(err)
				}
				r, _ := projections.NewRunner(db, quiet, projections.NewCustomers(db, natID).Protect(run.pd))
				ctx, cancel := context.WithCancel(context.Background())
				done := make(chan struct{})
				go func() { defer close(done); r.Follow(ctx, run.store) }()
				if err := r.WaitFor(context.Background(), head); err != nil {
					b.Fatal(err)
				}
				cancel()
				<-done
				db.Close()
			}
			b.ReportMetric(float64(head)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}
