package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/eventstore/personal"
	"github.com/nordledger/ledger/internal/app"
	"github.com/nordledger/ledger/internal/datadir"
	"github.com/nordledger/ledger/internal/progress"
)

// Preloading customers ("the seed").
//
// When the harness runs ledgerd itself, it seeds offline, before ledgerd starts: it opens the
// data directory's event log and creates the customers through the command handler — the code
// path of POST /customers after HTTP decoding: the domain's ParseCreateCustomer, the aggregate's
// decision, the national-identifier reservation with ledgerd's key, one fsynced append per
// customer, many appends per group commit. The log is then what the API would have written
// (CustomerCreated and, for three in ten, BillingAddressAdded; the actor is "ledgerbench-seed").
// It skips what does not change the log: HTTP, token checks, read-your-writes waits, and the
// relay and projections running alongside — and so it is many times faster than the API, which
// matters for a million customers. The read models are then built offline (projections.Rebuild,
// as `ledgerctl rebuild` does; its time is the rebuild figure) and the relay publishes the
// seeded events when ledgerd starts; the harness waits for both before measuring.
//
// Against a running ledgerd (--url) the seed goes through the API (POST /customers with high
// concurrency); a customer that already exists (409) counts as seeded, so a second run with the
// same --seed reuses the first run's customers.

// markerFile in a data directory records what the harness put there.
const markerFile = "ledgerbench.json"

// marker is the content of markerFile.
type marker struct {
	Ledger    string `json:"ledger"`
	Customers int    `json:"customers"` // customers 0..Customers-1 exist
	Created   int    `json:"created"`   // customers created by workloads: createBase..createBase+Created-1
	// Numbers is how the customers are numbered (--customer-numbers); empty: sequential.
	Numbers numbering `json:"numbers,omitempty"`
}

func readMarker(dataDir string) (marker, bool, error) {
	b, err := os.ReadFile(filepath.Join(dataDir, markerFile))
	if errors.Is(err, os.ErrNotExist) {
		return marker{}, false, nil
	}
	if err != nil {
		return marker{}, false, err
	}
	var m marker
	if err := json.Unmarshal(b, &m); err != nil {
		return marker{}, false, fmt.Errorf("%s: %w", markerFile, err)
	}
	return m, true, nil
}

func writeMarker(dataDir string, m marker) error {
	b, _ := json.MarshalIndent(m, "", "  ")
	return os.WriteFile(filepath.Join(dataDir, markerFile), append(b, '\n'), 0o600)
}

// seedResult describes a preload.
type seedResult struct {
	Mode      string  `json:"mode"` // "offline" (event log, ledgerd stopped) or "api"
	From      int     `json:"from"`
	To        int     `json:"to"`
	Added     int     `json:"added"`
	Existing  int     `json:"existing"` // already there (409)
	Seconds   float64 `json:"seconds"`
	PerSecond float64 `json:"customersPerSecond"`
}

// seedMeta is the command metadata of seeded customers.
func seedMeta(i int) app.Meta {
	return app.Meta{Actor: "ledgerbench-seed", CorrelationID: fmt.Sprintf("ledgerbench-seed-%d", i), Time: time.Now()}
}

// seedOffline creates customers from..to-1 in the event log of dataDir (ledgerd stopped) with
// conc concurrent commands.
func seedOffline(ctx context.Context, dataDir, ledger string, numbers numbering, from, to, conc int, stderr io.Writer) (seedResult, error) {
	res := seedResult{Mode: "offline", From: from, To: to}
	dir := datadir.FromEnv(dataDir, os.Getenv)
	key, _, err := datadir.EnsureSecret(dir.KeyFilePath())
	if err != nil {
		return res, err
	}
	store, err := eventstore.Open(dir.File(datadir.Events), eventstore.Options{})
	if err != nil {
		return res, err
	}
	defer store.Close()
	// Sealed like the customers ledgerd creates (docs/data-protection.md), with the master keys
	// ledgerd would use (made when missing, as a writer does).
	keys, err := dir.OpenKeyStore(true, personal.StoreOptions{})
	if err != nil {
		return res, err
	}
	defer keys.Close()
	h, err := app.New(store, app.Config{ReservationKey: key, Protector: personal.NewProtector(keys), Keys: keys})
	if err != nil {
		return res, err
	}
	policy := domain.LedgerPolicy{LedgerNo: ledger, CountryCode: "SE"}
	bar := newProgress(stderr, fmt.Sprintf("seeding %d customers (offline)", to-from), "customers", int64(to-from))
	return seedConcurrently(ctx, res, from, to, conc, bar, func(ctx context.Context, i int) (bool, error) {
		p := genPerson(i, numbers.of(i))
		meta := seedMeta(i)
		cmd, err := domain.ParseCreateCustomer(p.domainInput(), policy, meta.Time)
		if err == nil {
			_, err = h.Create(ctx, policy, cmd, meta)
		}
		var de *domain.Error
		if errors.As(err, &de) && de.Code == domain.CodeConflict {
			return true, nil
		}
		return false, err
	})
}

// seedAPI creates customers from..to-1 through the API of a running ledgerd.
func seedAPI(ctx context.Context, t *target, pop *population, from, to, conc int, stderr io.Writer) (seedResult, error) {
	res := seedResult{Mode: "api", From: from, To: to}
	bar := newProgress(stderr, fmt.Sprintf("seeding %d customers (API)", to-from), "customers", int64(to-from))
	return seedConcurrently(ctx, res, from, to, conc, bar, func(ctx context.Context, i int) (bool, error) {
		r := request{Method: http.MethodPost, Path: pop.base() + "/customers", Body: genPerson(i, pop.customerNo(i)).createBody()}
		status, _, body, err := t.do(ctx, r, true)
		switch {
		case err != nil:
			return false, err
		case status == http.StatusCreated:
			return false, nil
		case status == http.StatusConflict:
			return true, nil
		default:
			return false, fmt.Errorf("status %d: %.300s", status, body)
		}
	})
}

// seedConcurrently creates customers from..to-1 with conc workers, each calling create(i), which
// reports whether the customer existed already. The first error stops every worker.
func seedConcurrently(ctx context.Context, res seedResult, from, to, conc int, bar *progress.Bar, create func(context.Context, int) (bool, error)) (seedResult, error) {
	var next, done, existing atomic.Int64
	next.Store(int64(from))
	var firstErr error
	var errOnce sync.Once
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	t0 := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= to {
					return
				}
				existed, err := create(ctx, i)
				if err != nil {
					errOnce.Do(func() { firstErr = fmt.Errorf("seeding customer %d: %w", i, err); cancel() })
					return
				}
				if existed {
					existing.Add(1)
				}
				bar.Update(uint64(done.Add(1)))
			}
		}()
	}
	wg.Wait()
	bar.Finish(uint64(done.Load()))
	took := time.Since(t0)
	res.Added, res.Existing = int(done.Load()-existing.Load()), int(existing.Load())
	res.Seconds, res.PerSecond = took.Seconds(), float64(done.Load())/took.Seconds()
	if firstErr != nil {
		return res, firstErr
	}
	return res, ctx.Err()
}
