package app_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/internal/app"
)

func TestRecordLookupUsesTheLookupStreams(t *testing.T) {
	h, store := setup(t)
	ctx := context.Background()
	se := domain.LedgerPolicy{LedgerNo: "1000", CountryCode: "SE"}
	if _, err := create(t, h, se, "9999", "19121212-1212"); err != nil {
		t.Fatal(err)
	}
	lookup := func(customerNo, result string) domain.CustomerDetailsLookedUp {
		return domain.CustomerDetailsLookedUp{MerchantID: "1000", PaymentProductID: "9000", CountryCode: "SE",
			Keys: []string{"fiscalNumber"}, CustomerNo: customerNo, Result: result}
	}
	for _, e := range []domain.CustomerDetailsLookedUp{
		lookup("9999", domain.LookupFound), lookup("9999", domain.LookupWithheld), lookup("", domain.LookupNotFound),
	} {
		res, err := h.RecordLookup(ctx, "1000", e, meta)
		if err != nil || res.Position == 0 {
			t.Fatalf("RecordLookup(%+v) = %+v, %v", e, res, err)
		}
	}
	read := func(stream string) []eventstore.Event {
		t.Helper()
		events, err := store.ReadStream(ctx, stream, 1, 100)
		if err != nil {
			t.Fatalf("ReadStream(%s): %v", stream, err)
		}
		return events
	}
	if got := read("1000/customers/9999"); len(got) != 1 {
		t.Errorf("the customer's stream holds %d events, want 1: a look-up moved the customer's version", len(got))
	}
	found := read("1000/lookups/9999")
	unmatched := read("1000/lookups/unmatched")
	if len(found) != 2 || len(unmatched) != 1 {
		t.Fatalf("look-up streams hold %d and %d events, want 2 and 1", len(found), len(unmatched))
	}
	for _, e := range append(found, unmatched...) {
		if e.Type != domain.TypeCustomerDetailsLookedUp || e.Actor != "alice" || e.CorrelationID != "corr" || e.CausationID != "req" {
			t.Errorf("event %+v: wrong type or metadata", e)
		}
		for _, personal := range []string{"19121212", "121212", "Tolvan"} {
			if strings.Contains(string(e.Data), personal) {
				t.Errorf("look-up event data %s holds personal data", e.Data)
			}
		}
	}
}

func TestRecordLookupRejectsInconsistentEvents(t *testing.T) {
	h, _ := setup(t)
	for _, e := range []domain.CustomerDetailsLookedUp{
		{MerchantID: "1000", Result: domain.LookupFound},
		{MerchantID: "1000", Result: domain.LookupWithheld},
		{MerchantID: "1000", CustomerNo: "9999", Result: domain.LookupNotFound},
		{MerchantID: "1000", CustomerNo: "9999", Result: "maybe"},
	} {
		if _, err := h.RecordLookup(context.Background(), "1000", e, meta); err == nil {
			t.Errorf("RecordLookup(%+v) succeeded", e)
		}
	}
}

// lagging is an applier whose read models cannot be written: every append after the start is
// stored and answered with an error matching eventstore.ErrNotApplied.
type lagging struct{}

func (lagging) Apply(ctx context.Context, log eventstore.Reader, upTo uint64, events []eventstore.Event) error {
	if upTo == 0 {
		return nil
	}
	return errors.New("the read models cannot be written (test)")
}

// TestRecordLookupStoredNotApplied: a look-up stored while the read models cannot show it is
// recorded, and RecordLookup says so — Changed, its version and position, with the error that
// the read models lag — as Execute does for a write; not the empty result of a look-up never
// stored, which made Connect answer 503 for a look-up on record.
func TestRecordLookupStoredNotApplied(t *testing.T) {
	store, err := eventstore.Open(filepath.Join(t.TempDir(), "events.db"), eventstore.Options{Applier: lagging{}})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	h, err := app.New(store, app.Config{ReservationKey: key})
	if err != nil {
		t.Fatal(err)
	}
	e := domain.CustomerDetailsLookedUp{MerchantID: "1000", PaymentProductID: "9000", CountryCode: "SE",
		Keys: []string{"fiscalNumber"}, Result: domain.LookupNotFound}
	res, err := h.RecordLookup(context.Background(), "1000", e, meta)
	if !errors.Is(err, eventstore.ErrNotApplied) || !res.Changed || res.Version != 1 || res.Position == 0 {
		t.Fatalf("RecordLookup with lagging read models = %+v, %v; want stored (version 1) and ErrNotApplied", res, err)
	}
	if events, err := store.ReadStream(context.Background(), domain.LookupStreamName("1000", ""), 1, 10); err != nil || len(events) != 1 {
		t.Fatalf("the look-up stream holds %d events (%v), want 1", len(events), err)
	}
}

// TestRecordLookupOfACustomerForgottenMeanwhile: a look-up that matched a customer forgotten
// before the look-up was recorded (its data key destroyed, so its result cannot be sealed) is
// recorded as matching nobody, and says so (no customer number): the caller answers it as not
// found rather than failing, and discloses nothing.
func TestRecordLookupOfACustomerForgottenMeanwhile(t *testing.T) {
	h, store, keys, _ := setupSealed(t)
	ctx := context.Background()
	se := domain.LedgerPolicy{LedgerNo: "1000", CountryCode: "SE"}
	if _, err := create(t, h, se, "9999", "19121212-1212"); err != nil {
		t.Fatal(err)
	}
	if err := keys.Destroy(ctx, domain.StreamName("1000", "9999")); err != nil {
		t.Fatal(err)
	}
	e := domain.CustomerDetailsLookedUp{MerchantID: "1000", PaymentProductID: "9000", CountryCode: "SE",
		Keys: []string{"fiscalNumber"}, CustomerNo: "9999", Result: domain.LookupWithheld}
	res, err := h.RecordLookup(ctx, "1000", e, meta)
	if err != nil || res.CustomerNo != "" || res.Position == 0 {
		t.Fatalf("RecordLookup = %+v, %v; want recorded as unmatched", res, err)
	}
	if got, _ := store.ReadStream(ctx, "1000/lookups/9999", 1, 10); len(got) != 0 {
		t.Errorf("recorded in the forgotten customer's look-up stream: %s", got[0].Data)
	}
	got, err := store.ReadStream(ctx, "1000/lookups/unmatched", 1, 10)
	if err != nil || len(got) != 1 || !strings.Contains(string(got[0].Data), `"result":"not-found"`) || strings.Contains(string(got[0].Data), "9999") {
		t.Fatalf("unmatched look-ups: %v, %v", got, err)
	}
}
