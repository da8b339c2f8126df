package app_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/internal/app"
)

var key = []byte("commands-test-key-commands-test-key-0123")

func setup(t *testing.T) (*app.Handler, *eventstore.Store) {
	t.Helper()
	store, err := eventstore.Open(filepath.Join(t.TempDir(), "events.db"), eventstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	h, err := app.New(store, app.Config{ReservationKey: key})
	if err != nil {
		t.Fatal(err)
	}
	return h, store
}

var (
	today = time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
	meta  = app.Meta{Actor: "alice", CorrelationID: "corr", CausationID: "req", Time: today}
)

func create(t *testing.T, h *app.Handler, p domain.LedgerPolicy, customerNo, regNo string) (app.Result, error) {
	t.Helper()
	in := domain.CustomerInput{
		Name: domain.Set("Tolvan Tolvansson"),
		LegalAddress: domain.Set(domain.AddressInput{Addressee: domain.Set("Tolvan"), City: domain.Set("STOCKHOLM"),
			ZipCode: domain.Set("15961"), CountryCode: domain.Set("SE")}),
	}
	if customerNo != "" {
		in.CustomerNo = domain.Set(customerNo)
	}
	if regNo != "" {
		in.NationalIdentifier = domain.Set(domain.NationalIdentifierInput{RegNo: domain.Set(regNo), CountryCode: domain.Set("SE")})
	}
	cmd, err := domain.ParseCreateCustomer(in, p, today)
	if err != nil {
		t.Fatal(err)
	}
	return h.Create(context.Background(), p, cmd, meta)
}

func TestCreateUniqueness(t *testing.T) {
	h, store := setup(t)
	se := domain.LedgerPolicy{LedgerNo: "1000", CountryCode: "SE"}
	other := domain.LedgerPolicy{LedgerNo: "2000", CountryCode: "SE"}
	if _, err := create(t, h, se, "9999", "19121212-1212"); err != nil {
		t.Fatal(err)
	}
	if _, err := create(t, h, se, "9999", ""); !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("same customerNo: %v", err)
	}
	// The same person in any accepted form is the same identifier.
	if _, err := create(t, h, se, "8888", "191212121212"); !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("same national identifier: %v", err)
	}
	if v, _ := store.StreamVersion(context.Background(), domain.StreamName("1000", "8888")); v != 0 {
		t.Fatal("a refused create wrote events")
	}
	// Another ledger is another namespace.
	if _, err := create(t, h, other, "9999", "19121212-1212"); err != nil {
		t.Fatalf("other ledger: %v", err)
	}
	// Events carry the metadata.
	events, _ := store.ReadStream(context.Background(), domain.StreamName("1000", "9999"), 1, 10)
	if len(events) != 1 || events[0].Actor != "alice" || events[0].CorrelationID != "corr" || events[0].CausationID != "req" || events[0].Type != domain.TypeCustomerCreated {
		t.Fatalf("events = %+v", events)
	}
}

func TestGeneratedCustomerNumbers(t *testing.T) {
	h, _ := setup(t)
	p := domain.LedgerPolicy{LedgerNo: "2000", CountryCode: "SE", GenerateCustomerNumbers: true, CustomerNoLength: 7}
	seen := map[string]bool{}
	for _, regNo := range []string{"19121212-1212", "19811228-9874", "19880320-0016"} {
		res, err := create(t, h, p, "", regNo)
		if err != nil {
			t.Fatal(err)
		}
		if !p.ValidCustomerNo(res.CustomerNo) || len(res.CustomerNo) != 7 || seen[res.CustomerNo] {
			t.Fatalf("generated customerNo %q", res.CustomerNo)
		}
		seen[res.CustomerNo] = true
	}
}

// TestConcurrentCommandsLoseNothing: parallel patches of one customer all apply; none is lost or
// refused.
func TestConcurrentCommandsLoseNothing(t *testing.T) {
	h, store := setup(t)
	p := domain.LedgerPolicy{LedgerNo: "1000", CountryCode: "SE"}
	if _, err := create(t, h, p, "1", ""); err != nil {
		t.Fatal(err)
	}
	const n = 40
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			patch, err := domain.ParsePatchCustomer(domain.PatchInput{TaxIdentificationNumber: domain.Set(string(rune('A'+i%26)) + string(rune('a'+i/26)))})
			if err != nil {
				errs <- err
				return
			}
			_, err = h.Execute(context.Background(), "1000", "1", nil, meta, func(c *domain.Customer) ([]domain.Event, error) { return c.Patch(patch) })
			errs <- err
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err) // commands on one customer queue: none may be refused
		}
	}
	v, _ := store.StreamVersion(context.Background(), domain.StreamName("1000", "1"))
	c, err := h.Load(context.Background(), "1000", "1")
	if err != nil || c.Version() != v {
		t.Fatalf("loaded version %d, stream %d, %v", c.Version(), v, err)
	}
	if v != n+1 {
		t.Fatalf("stream at version %d after %d patches, want %d", v, n, n+1)
	}
}

func TestIfMatch(t *testing.T) {
	h, _ := setup(t)
	p := domain.LedgerPolicy{LedgerNo: "1000", CountryCode: "SE"}
	create(t, h, p, "5", "")
	_, err := h.Execute(context.Background(), "1000", "5", app.Match{7, 2}, meta, func(c *domain.Customer) ([]domain.Event, error) { return c.RemoveBillingAddress() })
	if !errors.Is(err, app.ErrPreconditionFailed) {
		t.Fatalf("stale If-Match: %v", err)
	}
	if _, err := h.Execute(context.Background(), "1000", "404", nil, meta, func(c *domain.Customer) ([]domain.Event, error) { return nil, nil }); !errors.Is(err, domain.ErrCustomerNotFound) {
		t.Fatalf("unknown customer: %v", err)
	}
}
