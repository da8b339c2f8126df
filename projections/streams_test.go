package projections_test

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/eventstore/personal"
	"github.com/nordledger/ledger/internal/app"
)

// TestParseStream: customer streams, and only they, parse (and are data-key subjects).
func TestParseStream(t *testing.T) {
	tests := []struct {
		stream             string
		ledgerNo, customer string
		ok                 bool
	}{
		{"1000/customers/9999", "1000", "9999", true},
		{"1000/lookups/9999", "", "", false},
		{"1000/lookups/unmatched", "", "", false},
		{"1000/customers/", "", "", false},
		{"/customers/9999", "", "", false},
		{"1000/customers/9999/x", "", "", false},
		{"1000/x/customers/9999", "", "", false},
		{"1000", "", "", false},
		{"1000/customers", "", "", false},
		{"1000//9999", "", "", false},
		{"", "", "", false},
		{"//", "", "", false},
		{"1000/customers/9999/", "", "", false},
	}
	for _, tt := range tests {
		if sub, ok := personal.Subject(tt.stream); ok != tt.ok || (ok && sub != tt.stream) {
			t.Errorf("personal.Subject(%q) = %q, %v; want ok %v", tt.stream, sub, ok, tt.ok)
		}
		l, c, ok := domain.ParseStream(tt.stream)
		if l != tt.ledgerNo || c != tt.customer || ok != tt.ok {
			t.Errorf("ParseStream(%q) = %q, %q, %v; want %q, %q, %v", tt.stream, l, c, ok, tt.ledgerNo, tt.customer, tt.ok)
		}
	}
}

// TestProjectionIgnoresOtherStreams: events of streams that are not customer streams (the look-up
// streams) leave the read model as it was and do not stop the runner. (A stream the bus cannot
// carry stops the feeds, as it stops the relay: writer and readers must see the same log.)
func TestProjectionIgnoresOtherStreams(t *testing.T) {
	dir := t.TempDir()
	store, err := eventstore.Open(filepath.Join(dir, "events.db"), eventstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	c, r, stop := run(t, store, filepath.Join(dir, "p.db"))
	defer stop()
	const n = 5
	history(t, store, n, 20, 3)
	waitHead(t, store, r)
	before := snapshot(t, c, n)

	h, err := app.New(store, app.Config{ReservationKey: key})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	meta := app.Meta{Actor: "t", Time: time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)}
	for i := 0; i < n; i++ {
		e := domain.CustomerDetailsLookedUp{MerchantID: "1000", PaymentProductID: "9000", CountryCode: "SE",
			Keys: []string{"fiscalNumber"}, CustomerNo: fmt.Sprint(100 + i), Result: domain.LookupFound}
		if _, err := h.RecordLookup(ctx, "1000", e, meta); err != nil {
			t.Fatal(err)
		}
	}
	unmatched := domain.CustomerDetailsLookedUp{MerchantID: "1000", PaymentProductID: "9000", CountryCode: "SE", Keys: []string{"fiscalNumber"}, Result: domain.LookupNotFound}
	if _, err := h.RecordLookup(ctx, "1000", unmatched, meta); err != nil {
		t.Fatal(err)
	}
	waitHead(t, store, r)
	if err := r.Err(); err != nil {
		t.Fatalf("runner stopped: %v", err)
	}
	if after := snapshot(t, c, n); !reflect.DeepEqual(before, after) {
		t.Fatal("events of other streams changed the customer read model")
	}
	for _, no := range []string{domain.UnmatchedLookups} {
		if _, found, err := c.Customer(ctx, "1000", no); err != nil || found {
			t.Errorf("Customer(1000, %s) = found %v, %v", no, found, err)
		}
	}
}
