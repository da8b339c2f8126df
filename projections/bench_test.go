package projections_test

import (
	"context"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/projections"
)

// BenchmarkRebuild builds the customer read model from scratch from a log of 1,000 customers and
// 9,000 changes, through the Watermill router and the local-log feed. Reports events/s, and
// events per CPU second (the benchmark's process, every thread).
func BenchmarkRebuild(b *testing.B) {
	benchmarkRunner(b, func(db *projections.DB) []projections.Projection {
		return []projections.Projection{projections.NewCustomers(db, natID)}
	})
}

// BenchmarkRebuildSet is BenchmarkRebuild with ledgerd's whole projections.Set (customers and
// audit) in one runner, as ledgerd runs it.
func BenchmarkRebuildSet(b *testing.B) {
	benchmarkRunner(b, func(db *projections.DB) []projections.Projection { return projections.NewSet(db, natID).All() })
}

// benchmarkRunner builds the projections ps makes, from scratch, in a runner fed by the local log
// of 1,000 customers and 9,000 changes.
func benchmarkRunner(b *testing.B, ps func(*projections.DB) []projections.Projection) {
	dir := b.TempDir()
	store, err := eventstore.Open(filepath.Join(dir, "events.db"), eventstore.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	history(b, store, 1000, 9000, 7)
	head, _ := store.Head(context.Background())
	cpu0 := cpuTime()
	b.ResetTimer()
	for b.Loop() {
		db, err := projections.OpenDB(filepath.Join(dir, "p"+time.Now().Format("150405.000000000")+".db"))
		if err != nil {
			b.Fatal(err)
		}
		r, _ := projections.NewRunner(db, quiet, ps(db)...)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); r.Follow(ctx, store) }()
		if err := r.WaitFor(context.Background(), head); err != nil {
			b.Fatal(err)
		}
		cancel()
		<-done
		db.Close()
	}
	b.ReportMetric(float64(head)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
	// CPU time (all threads) depends much less on the machine's other load than elapsed time.
	b.ReportMetric(float64(head)*float64(b.N)/(cpuTime()-cpu0).Seconds(), "events/cpu-s")
}

// cpuTime returns the process's CPU time, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
