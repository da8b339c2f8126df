package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore"
	cmds "github.com/nordledger/ledger/internal/app"
	"github.com/nordledger/ledger/internal/datadir"
	"github.com/nordledger/ledger/projections"
)

// testKey is the national-identifier key of the test data directories, as ledgerd writes it.
const testKey = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"

var (
	testLedger = domain.LedgerPolicy{LedgerNo: "1000", CountryCode: "SE"}
	testTime   = time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	quiet      = slog.New(slog.NewTextHandler(io.Discard, nil))
)

// newDataDir returns a data directory holding the key file.
func newDataDir(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, datadir.ReservationKey), []byte(testKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

// openTestLog opens the data directory's event log for writing, as ledgerd does.
func openTestLog(t testing.TB, dir string) *eventstore.Store {
	t.Helper()
	store, err := eventstore.Open(filepath.Join(dir, datadir.Events), eventstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return store
}

// regNo returns a valid Swedish personal identity number, distinct for each i < 999.
func regNo(i int) string {
	i++ // serial number 000 is not valid
	digits := fmt.Sprintf("121212%03d", i)
	sum := 0
	for j, c := range digits {
		d := int(c-'0') * (2 - j%2)
		sum += d/10 + d%10
	}
	return fmt.Sprintf("19121212-%03d%d", i, (10-sum%10)%10)
}

// history writes a log through the command handler: customers 100, 101, ... with national
// identifiers, then changes (e-mail patches, billing addresses, legal addresses) and Connect
// look-ups (streams the customer projection skips). It returns the head position.
func history(t testing.TB, dir string, customers, changes int) uint64 {
	t.Helper()
	store := openTestLog(t, dir)
	defer store.Close()
	h, err := cmds.New(store, cmds.Config{ReservationKey: []byte(testKey)})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	meta := cmds.Meta{Actor: "alice", CorrelationID: "corr", CausationID: "req", Time: testTime}
	addr := func(i int) domain.AddressInput {
		return domain.AddressInput{Addressee: domain.Set(fmt.Sprint("Addressee ", i)), StreetAddress: domain.Set("Gatan 1"),
			City: domain.Set("STOCKHOLM"), ZipCode: domain.Set(fmt.Sprint(10000 + i)), CountryCode: domain.Set("SE")}
	}
	for i := range customers {
		cmd, err := domain.ParseCreateCustomer(domain.CustomerInput{
			CustomerNo: domain.Set(fmt.Sprint(100 + i)), Name: domain.Set(fmt.Sprint("Customer ", i)),
			NationalIdentifier: domain.Set(domain.NationalIdentifierInput{RegNo: domain.Set(regNo(i)), CountryCode: domain.Set("SE")}),
			LegalAddress:       domain.Set(addr(i)),
		}, testLedger, testTime)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.Create(ctx, testLedger, cmd, meta); err != nil {
			t.Fatal(err)
		}
	}
	for i := range changes {
		no := fmt.Sprint(100 + i%customers)
		var decide cmds.Decision
		switch i % 4 {
		case 0:
			patch, err := domain.ParsePatchCustomer(domain.PatchInput{EmailAddress: domain.Set(fmt.Sprintf("c%d@example.com", i))})
			if err != nil {
				t.Fatal(err)
			}
			decide = func(c *domain.Customer) ([]domain.Event, error) { return c.Patch(patch) }
		case 1, 2:
			a, err := domain.ParseAddress(addr(i), "")
			if err != nil {
				t.Fatal(err)
			}
			decide = func(c *domain.Customer) ([]domain.Event, error) {
				if c.State().BillingAddress == nil {
					return c.AddBillingAddress(a)
				}
				return c.ReplaceBillingAddress(a)
			}
		case 3:
			a, err := domain.ParseAddress(addr(i), "")
			if err != nil {
				t.Fatal(err)
			}
			decide = func(c *domain.Customer) ([]domain.Event, error) { return c.ReplaceLegalAddress(a, domain.SourceAPI) }
		}
		if _, err := h.Execute(ctx, testLedger.LedgerNo, no, nil, meta, decide); err != nil {
			t.Fatal(err)
		}
		if i%10 == 0 {
			lookup := domain.CustomerDetailsLookedUp{MerchantID: "1000", PaymentProductID: "9000", CountryCode: "SE",
				Keys: []string{"fiscalNumber"}, CustomerNo: no, Result: domain.LookupFound}
			if _, err := h.RecordLookup(ctx, testLedger.LedgerNo, lookup, meta); err != nil {
				t.Fatal(err)
			}
		}
	}
	head, _ := store.Head(ctx)
	return head
}

// manyEvents appends n CustomerDetailsChanged events straight to the store, perAppend events per
// append, spread over the first customers of history; it returns the head position.
func manyEvents(t testing.TB, dir string, customers, n, perAppend int) uint64 {
	t.Helper()
	store := openTestLog(t, dir)
	defer store.Close()
	ctx := context.Background()
	// The domain's encoding of one change, with the e-mail address as a placeholder: encoding
	// every event with encoding/json would dominate the test under the race detector.
	placeholder := "PLACEHOLDER"
	typ, sv, tmpl, err := domain.EncodeEvent(domain.CustomerDetailsChanged{Set: domain.DetailChanges{EmailAddress: &placeholder}})
	if err != nil {
		t.Fatal(err)
	}
	before, after, ok := bytes.Cut(tmpl, []byte(placeholder))
	if !ok {
		t.Fatalf("placeholder not in %s", tmpl)
	}
	for i, k := 0, 0; i < n; i, k = i+perAppend, k+1 {
		events := make([]eventstore.EventData, 0, perAppend)
		for j := i; j < min(n, i+perAppend); j++ {
			data := fmt.Appendf(append([]byte(nil), before...), "bulk%d@example.com", j)
			events = append(events, eventstore.EventData{ID: uuid.Must(uuid.NewV7()), Type: typ, SchemaVersion: sv,
				Time: testTime, Actor: "bulk", CorrelationID: "bulk", Data: append(data, after...)})
		}
		stream := domain.StreamName(testLedger.LedgerNo, fmt.Sprint(100+k%customers))
		if _, err := store.Append(ctx, eventstore.AppendRequest{Stream: stream, ExpectedVersion: eventstore.StreamExists, Events: events}); err != nil {
			t.Fatal(err)
		}
	}
	head, _ := store.Head(ctx)
	return head
}

// ledgerdProjections builds the data directory's projections.db as ledgerd does: ledgerd's
// projection set, run by the runner from the local log, until it holds the head.
func ledgerdProjections(t testing.TB, dir string) {
	t.Helper()
	store := openTestLog(t, dir)
	defer store.Close()
	db, err := projections.OpenDB(filepath.Join(dir, datadir.Projections))
	if err != nil {
		t.Fatal(err)
	}
	set := projections.NewSet(db, func(ledgerNo string, ni domain.NationalIdentifier) string {
		return cmds.NationalIDKey([]byte(testKey), ledgerNo, ni)
	})
	r, err := projections.NewRunner(db, quiet, set.All()...)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Follow(ctx, store) }()
	head, _ := store.Head(ctx)
	wctx, wcancel := context.WithTimeout(ctx, 60*time.Second)
	defer wcancel()
	if err := r.WaitFor(wctx, head); err != nil {
		t.Fatalf("projections did not reach %d: %v", head, err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

// readModel returns the customer read model of the data directory's projections.db, and its
// find-customer answer for customer i's national identifier.
func readModel(t testing.TB, dir string, customers int) (states []domain.CustomerState, found []string) {
	t.Helper()
	db, err := projections.OpenReadOnly(filepath.Join(dir, datadir.Projections), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c := projections.NewSet(db, func(ledgerNo string, ni domain.NationalIdentifier) string {
		return cmds.NationalIDKey([]byte(testKey), ledgerNo, ni)
	}).Customers
	ctx := context.Background()
	for i := range customers {
		s, ok, err := c.Customer(ctx, testLedger.LedgerNo, fmt.Sprint(100+i))
		if err != nil || !ok {
			t.Fatalf("customer %d: %v, %v", 100+i, ok, err)
		}
		states = append(states, s)
		ni, _, err := domain.ParseNationalIdentifier(domain.NationalIdentifierInput{RegNo: domain.Set(regNo(i)), CountryCode: domain.Set("SE")}, "nationalIdentifier", testTime)
		if err != nil {
			t.Fatal(err)
		}
		no, _, err := c.FindByNationalID(ctx, testLedger.LedgerNo, ni)
		if err != nil {
			t.Fatal(err)
		}
		found = append(found, no)
	}
	return states, found
}
