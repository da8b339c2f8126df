package projections_test

import (
	"context"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/eventstore/feed"
	"github.com/nordledger/ledger/projections"
)

// BenchmarkRebuild builds the customer read model from scratch from a log of 1,000 customers and
// 9,000 changes, through the Watermill router and the local-log feed. Reports events/s, and
// events per CPU second (the benchmark's process, every thread).
func BenchmarkRebuild(b *testing.B) {
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
	i := 0
	for b.Loop() {
		i++
		db, err := projections.OpenDB(filepath.Join(dir, "p"+time.Now().Format("150405.000000000")+".db"))
		if err != nil {
			b.Fatal(err)
		}
		r, _ := projections.NewRunner(db, quiet, projections.NewCustomers(db, natID))
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); r.Run(ctx, feed.NewLog(store, quiet)) }()
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
