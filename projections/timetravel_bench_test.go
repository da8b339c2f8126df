package projections_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/projections"
)

// BenchmarkCustomerAt measures time travel on long streams: one customer with 100, 1,000 and
// 10,000 changes (a little fewer events: a change that changes nothing appends none), rebuilt from its stream in the audit index up to its last version (the worst
// case: every event applied). Reports the time per rebuild and events applied per second, which
// is what decides whether snapshots are needed.
func BenchmarkCustomerAt(b *testing.B) {
	for _, n := range []int{100, 1_000, 10_000} {
		b.Run(fmt.Sprintf("events=%d", n), func(b *testing.B) {
			dir := b.TempDir()
			store, err := eventstore.Open(filepath.Join(dir, "events.db"), eventstore.Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer store.Close()
			history(b, store, 1, n-1, 11)
			head, _ := store.Head(context.Background())
			db, err := projections.OpenDB(filepath.Join(dir, "projections.db"))
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			audit := projections.NewAudit(db)
			r, err := projections.NewRunner(db, quiet, audit)
			if err != nil {
				b.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { defer close(done); r.Follow(ctx, store) }()
			defer func() { cancel(); <-done }()
			if err := r.WaitFor(context.Background(), head); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			var version uint64
			for b.Loop() {
				st, found, err := audit.CustomerAt(context.Background(), "1000", "100", 0, time.Time{})
				if err != nil || !found {
					b.Fatalf("CustomerAt: found %t, %v", found, err)
				}
				version = st.Version
			}
			// Changes that change nothing append no event, so the stream is a little shorter than n.
			if version < uint64(n)*8/10 {
				b.Fatalf("rebuilt version %d, want about %d", version, n)
			}
			b.ReportMetric(float64(version), "events")
			b.ReportMetric(float64(version)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}
