package projections_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/internal/app"
	"github.com/nordledger/ledger/projections"
)

var key = []byte("projection-test-key-projection-test-key")

func natID(ledgerNo string, ni domain.NationalIdentifier) string {
	return app.NationalIDKey(key, ledgerNo, ni)
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// run starts a runner over the store and returns the customers view and a stop function.
func run(t *testing.T, store *eventstore.Store, path string) (*projections.Customers, *projections.Runner, func()) {
	t.Helper()
	db, err := projections.OpenDB(path)
	if err != nil {
		t.Fatal(err)
	}
	customers := projections.NewCustomers(db, natID)
	r, err := projections.NewRunner(db, quiet, customers)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Follow(ctx, store) }()
	return customers, r, func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("runner: %v", err)
		}
		if err := db.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	}
}

func waitHead(t *testing.T, store *eventstore.Store, r *projections.Runner) {
	t.Helper()
	head, _ := store.Head(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := r.WaitFor(ctx, head); err != nil {
		t.Fatalf("projections did not reach %d: %v", head, err)
	}
}

// history creates customers and changes them at random through the real command handler.
func history(t testing.TB, store *eventstore.Store, customers, changes int, seed uint64) {
	t.Helper()
	historyWith(t, store, app.Config{ReservationKey: key}, customers, changes, seed)
}

// historyWith is history through a handler of cfg (with a protector: sealed events).
func historyWith(t testing.TB, store *eventstore.Store, cfg app.Config, customers, changes int, seed uint64) {
	t.Helper()
	h, err := app.New(store, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(seed, seed))
	p := domain.LedgerPolicy{LedgerNo: "1000", CountryCode: "SE"}
	meta := app.Meta{Actor: "t", CorrelationID: "c", Time: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	addr := func(i int) domain.AddressInput {
		return domain.AddressInput{Addressee: domain.Set(fmt.Sprint("A ", i)), City: domain.Set("STOCKHOLM"), ZipCode: domain.Set(fmt.Sprint(10000 + i)), CountryCode: domain.Set("se")}
	}
	for i := 0; i < customers; i++ {
		cmd, err := domain.ParseCreateCustomer(domain.CustomerInput{CustomerNo: domain.Set(fmt.Sprint(100 + i)), Name: domain.Set(fmt.Sprint("Customer ", i)),
			LegalAddress: domain.Set(addr(i))}, p, meta.Time)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.Create(ctx, p, cmd, meta); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < changes; i++ {
		no := fmt.Sprint(100 + rng.IntN(customers))
		var decide app.Decision
		switch rng.IntN(4) {
		case 0:
			patch, err := domain.ParsePatchCustomer(domain.PatchInput{EmailAddress: domain.Set(fmt.Sprintf("c%d@example.com", i))})
			if err != nil {
				t.Fatal(err)
			}
			decide = func(c *domain.Customer) ([]domain.Event, error) { return c.Patch(patch) }
		case 1:
			a, _ := domain.ParseAddress(addr(i), "")
			decide = func(c *domain.Customer) ([]domain.Event, error) { return c.ReplaceLegalAddress(a, domain.SourceAPI) }
		case 2:
			a, _ := domain.ParseAddress(addr(i), "")
			decide = func(c *domain.Customer) ([]domain.Event, error) {
				if c.State().BillingAddress == nil {
					return c.AddBillingAddress(a)
				}
				return c.ReplaceBillingAddress(a)
			}
		case 3:
			decide = func(c *domain.Customer) ([]domain.Event, error) {
				if c.State().BillingAddress == nil {
					return nil, nil
				}
				return c.RemoveBillingAddress()
			}
		}
		if _, err := h.Execute(ctx, "1000", no, nil, meta, decide); err != nil {
			t.Fatal(err)
		}
	}
}

func snapshot(t *testing.T, c *projections.Customers, n int) []domain.CustomerState {
	t.Helper()
	out := make([]domain.CustomerState, n)
	for i := range out {
		s, ok, err := c.Customer(context.Background(), "1000", fmt.Sprint(100+i))
		if err != nil || !ok {
			t.Fatalf("customer %d: found %v, %v", 100+i, ok, err)
		}
		out[i] = s
	}
	return out
}

// TestIncrementalEqualsRebuild: a projection fed while the history happens equals one built from
// scratch afterwards, and one rebuilt after its file was deleted; all equal the aggregate itself.
func TestIncrementalEqualsRebuild(t *testing.T) {
	dir := t.TempDir()
	store, err := eventstore.Open(filepath.Join(dir, "events.db"), eventstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	const n = 30
	live, r, stop := run(t, store, filepath.Join(dir, "live.db"))
	history(t, store, n, 400, 1)
	waitHead(t, store, r)
	incremental := snapshot(t, live, n)
	stop()

	fresh, r2, stop2 := run(t, store, filepath.Join(dir, "fresh.db"))
	waitHead(t, store, r2)
	rebuilt := snapshot(t, fresh, n)
	stop2()
	if !reflect.DeepEqual(incremental, rebuilt) {
		t.Fatal("incremental projection differs from a rebuild")
	}
	for i, s := range incremental {
		c, err := app.LoadCustomer(context.Background(), store, domain.StreamName("1000", fmt.Sprint(100+i)), 0)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(c.State(), s) {
			t.Fatalf("customer %d: read model %+v\naggregate %+v", 100+i, s, c.State())
		}
	}
}

// TestResumeFromCheckpoint: a restarted runner continues from its checkpoint, and a damaged file
// is replaced and rebuilt.
func TestResumeFromCheckpoint(t *testing.T) {
	dir := t.TempDir()
	store, err := eventstore.Open(filepath.Join(dir, "events.db"), eventstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	path := filepath.Join(dir, "p.db")
	c, r, stop := run(t, store, path)
	history(t, store, 10, 50, 2)
	waitHead(t, store, r)
	before := snapshot(t, c, 10)
	stop()

	c, r, stop = run(t, store, path)
	waitHead(t, store, r)
	if after := snapshot(t, c, 10); !reflect.DeepEqual(before, after) {
		t.Fatal("state changed across a restart")
	}
	stop()

	if err := os.WriteFile(path, []byte("garbage, not a bbolt file"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, r, stop = run(t, store, path)
	defer stop()
	waitHead(t, store, r)
	if after := snapshot(t, c, 10); !reflect.DeepEqual(before, after) {
		t.Fatal("rebuilt projection differs")
	}
}
