package app_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/eventstore/personal"
	"github.com/nordledger/ledger/internal/app"
	"github.com/nordledger/ledger/projections"
)

// writer is ledgerd's write path without HTTP and NATS: the key store (new keys committed by the
// log's Prepare stage), the event log, the read models as its Applier, the command handler.
type writer struct {
	h      *app.Handler
	policy domain.LedgerPolicy
	close  func()
}

func newWriter(b *testing.B) *writer {
	dir := b.TempDir()
	ring, err := personal.ParseMasterKeys("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
	if err != nil {
		b.Fatal(err)
	}
	keys, err := personal.OpenStore(filepath.Join(dir, "keys.db"), ring, personal.StoreOptions{DeferCreates: true})
	if err != nil {
		b.Fatal(err)
	}
	pd := personal.NewProtector(keys)
	pdb, err := projections.OpenDB(filepath.Join(dir, "projections.db"))
	if err != nil {
		b.Fatal(err)
	}
	set := projections.NewSet(pdb, func(l string, ni domain.NationalIdentifier) string { return app.NationalIDKey(key, l, ni) }).Protect(pd)
	runner, err := projections.NewRunner(pdb, slog.New(slog.NewTextHandler(io.Discard, nil)), set.All()...)
	if err != nil {
		b.Fatal(err)
	}
	store, err := eventstore.Open(filepath.Join(dir, "events.db"), eventstore.Options{Prepare: keys.CommitPending, Applier: runner})
	if err != nil {
		b.Fatal(err)
	}
	h, err := app.New(store, app.Config{ReservationKey: key, Protector: pd, Keys: keys, Snapshots: set.Customers})
	if err != nil {
		b.Fatal(err)
	}
	return &writer{h: h, policy: domain.LedgerPolicy{LedgerNo: "1000", CountryCode: "SE"},
		close: func() { store.Close(); pdb.Close(); keys.Close() }}
}

// createCommand is a customer of the kind ledgerbench creates: a person with a personnummer,
// e-mail, phone and a legal address.
func createCommand(b *testing.B, p domain.LedgerPolicy, n int) domain.CreateCustomer {
	regNo := personnummer(n)
	in := domain.CustomerInput{
		CustomerNo:         domain.Set(fmt.Sprint(1_000_000 + n)),
		NationalIdentifier: domain.Set(domain.NationalIdentifierInput{RegNo: domain.Set(regNo), CountryCode: domain.Set("SE")}),
		Name:               domain.Set(fmt.Sprintf("Person Number %d", n)), EmailAddress: domain.Set(fmt.Sprintf("p%d@example.se", n)),
		MSISDN: domain.Set("+46701234567"), LegalEntity: domain.Set("consumer"),
		LegalAddress: domain.Set(domain.AddressInput{Addressee: domain.Set("Person Number"), StreetAddress: domain.Set("Storgatan 1"),
			City: domain.Set("STOCKHOLM"), ZipCode: domain.Set("11152"), CountryCode: domain.Set("SE")}),
	}
	cmd, err := domain.ParseCreateCustomer(in, p, today)
	if err != nil {
		b.Fatal(err)
	}
	return cmd
}

// personnummer returns a valid personnummer (YYYYMMDD-NNNC) for n (< 3,650,000).
func personnummer(n int) string {
	day := n % 28
	serial := 100 + n/28%900
	year := 1950 + n/25200%50
	s := fmt.Sprintf("%02d%02d%02d%03d", year%100, 1+n%12, 1+day, serial)
	sum := 0
	for i, c := range s {
		d := int(c-'0') * (2 - i%2)
		sum += d/10 + d%10
	}
	return fmt.Sprintf("%d%s-%s%d", year/100, s[:6], s[6:], (10-sum%10)%10)
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU reports the CPU time per operation since start (the benchmark's metric that
// survives a noisy machine better than its time per operation).
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64((cpuTime()-start).Microseconds())/float64(b.N), "cpu-µs/op")
}

// BenchmarkCreatePipeline: creates through the whole write path but HTTP and NATS — decide, seal
// (a new data key each), the group commit with its Prepare stage, the read models applied from
// the decided events — at 64 concurrent callers. Run with -cpuprofile to see where a create's CPU
// goes without the HTTP stack's and the bus's share.
func BenchmarkCreatePipeline(b *testing.B) {
	w := newWriter(b)
	defer w.close()
	var next atomic.Int64
	b.SetParallelism(32) // 64 callers on 2 processors
	b.ResetTimer()
	defer reportCPU(b, cpuTime())
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := int(next.Add(1))
			if _, err := w.h.Create(context.Background(), w.policy, createCommand(b, w.policy, n), meta); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkPatchPipeline: e-mail changes of 1,000 customers at 64 concurrent callers.
func BenchmarkPatchPipeline(b *testing.B) {
	w := newWriter(b)
	defer w.close()
	const customers = 1000
	for n := range customers {
		if _, err := w.h.Create(context.Background(), w.policy, createCommand(b, w.policy, n), meta); err != nil {
			b.Fatal(err)
		}
	}
	var next atomic.Int64
	b.SetParallelism(32)
	b.ResetTimer()
	defer reportCPU(b, cpuTime())
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := int(next.Add(1))
			patch, err := domain.ParsePatchCustomer(domain.PatchInput{EmailAddress: domain.Set(fmt.Sprintf("new%d@example.se", n))})
			if err != nil {
				b.Fatal(err)
			}
			_, err = w.h.Execute(context.Background(), "1000", fmt.Sprint(1_000_000+n%customers), nil, meta, func(c *domain.Customer) ([]domain.Event, error) { return c.Patch(patch) })
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
}
