package projections_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/eventstore/personal"
	"github.com/nordledger/ledger/internal/app"
	"github.com/nordledger/ledger/projections"
)

const masterKey = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

// sealedLog is a log whose first customers were written in the clear (before sealing existed)
// and whose later customers and changes are sealed, with its key store and protector.
type sealedLog struct {
	store *eventstore.Store
	keys  *personal.Store
	pd    *personal.Protector
	h     *app.Handler
}

func newSealedLog(t *testing.T, dir string) *sealedLog {
	t.Helper()
	store, err := eventstore.Open(filepath.Join(dir, "events.db"), eventstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	// The old form first: 20 customers and changes in the clear.
	history(t, store, 20, 60, 3)
	ring, _ := personal.ParseMasterKeys(masterKey)
	keys, err := personal.OpenStore(filepath.Join(dir, "keys.db"), ring, personal.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { keys.Close() })
	pd := personal.NewProtector(keys)
	h, err := app.New(store, app.Config{ReservationKey: key, Protector: pd, Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	l := &sealedLog{store: store, keys: keys, pd: pd, h: h}
	p := domain.LedgerPolicy{LedgerNo: "1000", CountryCode: "SE"}
	for i := 0; i < 10; i++ {
		in := domain.CustomerInput{CustomerNo: domain.Set(fmt.Sprint(500 + i)), Name: domain.Set(fmt.Sprintf("Sealed Person %02d", i)),
			NationalIdentifier: domain.Set(domain.NationalIdentifierInput{RegNo: domain.Set(personnummer[i]), CountryCode: domain.Set("SE")}),
			LegalAddress: domain.Set(domain.AddressInput{Addressee: domain.Set(fmt.Sprintf("Sealed Person %02d", i)), StreetAddress: domain.Set(fmt.Sprintf("Hemligvägen %d", i)),
				City: domain.Set("GÖTEBORG"), ZipCode: domain.Set("41101"), CountryCode: domain.Set("SE")})}
		cmd, err := domain.ParseCreateCustomer(in, p, time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.Create(context.Background(), p, cmd, app.Meta{Actor: "t", Time: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
			t.Fatal(err)
		}
		email := fmt.Sprintf("sealed.person.%02d@example.com", i)
		patch, _ := domain.ParsePatchCustomer(domain.PatchInput{EmailAddress: domain.Set(email)})
		l.exec(t, fmt.Sprint(500+i), func(c *domain.Customer) ([]domain.Event, error) { return c.Patch(patch) })
	}
	// A customer of the old form gets sealed changes: its state is sealed from then on.
	patch, _ := domain.ParsePatchCustomer(domain.PatchInput{EmailAddress: domain.Set("now.sealed@example.com")})
	l.exec(t, "100", func(c *domain.Customer) ([]domain.Event, error) { return c.Patch(patch) })
	return l
}

// personnummer are valid Swedish personal identity numbers.
var personnummer = []string{"19121212-1212", "19811218-9876", "19900101-0017", "19800101-1231", "19700101-2348",
	"19850505-3457", "19750303-4568", "19950202-5670", "19600606-6788", "19550505-7892"}

func (l *sealedLog) exec(t *testing.T, no string, d app.Decision) {
	t.Helper()
	if _, err := l.h.Execute(context.Background(), "1000", no, nil, app.Meta{Actor: "t", Time: time.Date(2026, 2, 2, 0, 0, 0, 0, time.UTC)}, d); err != nil {
		t.Fatal(err)
	}
}

// follow opens the read models at path and runs ledgerd's projection set on them, following the
// log; stop (also run when the test ends) ends the runner and closes the file.
func (l *sealedLog) follow(t *testing.T, path string) (*projections.DB, *projections.Set, *projections.Runner, func()) {
	t.Helper()
	db, err := projections.OpenDB(path)
	if err != nil {
		t.Fatal(err)
	}
	set := projections.NewSet(db, natID).Protect(l.pd)
	r, err := projections.NewRunner(db, quiet, set.All()...)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Follow(ctx, l.store) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			<-done
			db.Close()
		})
	}
	t.Cleanup(stop)
	return db, set, r, stop
}

func (l *sealedLog) rebuild(t *testing.T, path string) *projections.DB {
	t.Helper()
	db, err := projections.OpenDB(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	head, _ := l.store.Head(context.Background())
	if err := projections.Rebuild(context.Background(), db, l.store, head, nil, projections.NewSet(db, natID).Protect(l.pd).All()...); err != nil {
		t.Fatal(err)
	}
	return db
}

// TestSealedProjections: the customer projection reads sealed and clear events alike, keeps the
// states of customers with sealed events sealed (no personal value of theirs in the file), and
// an incremental read model equals a rebuilt one — before and after a customer is forgotten.
func TestSealedProjections(t *testing.T) {
	dir := t.TempDir()
	l := newSealedLog(t, dir)
	db, set, r, _ := l.follow(t, filepath.Join(dir, "live.db"))
	ctx := context.Background()
	waitHead(t, l.store, r)
	for _, no := range []string{"100", "105", "500", "509"} {
		got, found, err := set.Customers.Customer(ctx, "1000", no)
		want, _ := l.h.Load(ctx, "1000", no)
		if err != nil || !found || got.Name != want.State().Name || got.EmailAddress != want.State().EmailAddress || got.Version != want.Version() {
			t.Fatalf("customer %s: %+v %v, want %+v", no, got, err, want.State())
		}
	}
	if got, _, _ := set.Customers.Customer(ctx, "1000", "500"); got.Name != "Sealed Person 00" || got.LegalAddress.StreetAddress != "Hemligvägen 0" {
		t.Fatalf("sealed customer %+v", got)
	}
	if no, found, _ := set.Customers.FindByNationalID(ctx, "1000", domain.NationalIdentifier{RegNo: personnummer[3], CountryCode: "SE"}); !found || no != "503" {
		t.Fatalf("find 503: %q %v", no, found)
	}
	if diffs := compareSet(t, l.rebuild(t, filepath.Join(dir, "rebuilt1.db")), db); len(diffs) != 0 {
		t.Fatalf("rebuild differs: %v", diffs)
	}

	// Forget customer 503.
	if _, err := l.h.Forget(ctx, domain.LedgerPolicy{LedgerNo: "1000", CountryCode: "SE"}, "503", app.Meta{Actor: "dpo", Time: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	waitHead(t, l.store, r)
	got, found, err := set.Customers.Customer(ctx, "1000", "503")
	if err != nil || !found || !got.Forgotten || got.Name != "" || got.Version != 3 || got.CustomerNo != "503" {
		t.Fatalf("forgotten customer: %+v %v %v", got, found, err)
	}
	if _, found, _ := set.Customers.FindByNationalID(ctx, "1000", domain.NationalIdentifier{RegNo: personnummer[3], CountryCode: "SE"}); found {
		t.Fatal("the forgotten customer is still in the national-identifier index")
	}
	if at, found, err := set.Audit.CustomerAt(ctx, "1000", "503", 1, time.Time{}); err != nil || !found || !at.Forgotten || at.Name != "" {
		t.Fatalf("time travel to a forgotten customer: %+v %v %v", at, found, err)
	}
	rebuilt := l.rebuild(t, filepath.Join(dir, "rebuilt2.db"))
	if diffs := compareSet(t, rebuilt, db); len(diffs) != 0 {
		t.Fatalf("rebuild after the forget differs: %v", diffs)
	}
	// The sealed customers' values are nowhere in the rebuilt file (which never held them in the
	// clear); the clear customers' are (their events are in the clear).
	rebuilt.Close()
	raw, err := os.ReadFile(filepath.Join(dir, "rebuilt2.db"))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"Sealed Person", "Hemligv", "GÖTEBORG", "sealed.person", "now.sealed@example.com"} {
		if bytes.Contains(raw, []byte(v)) {
			t.Errorf("%q is in the projections file", v)
		}
	}
	if !bytes.Contains(raw, []byte("Customer 5")) {
		t.Error("the test found no clear customer's name: does it look in the right file?")
	}
}

func compareSet(t *testing.T, got, want *projections.DB) []projections.Difference {
	t.Helper()
	var all []projections.Difference
	for _, p := range projections.NewSet(got, natID).All() {
		diffs, _, err := projections.Compare(got, want, p, 10)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, diffs...)
	}
	return all
}

// TestSealedEventsNeedAProtector: a projection without a protector stops at a sealed event
// rather than read it without its personal data.
func TestSealedEventsNeedAProtector(t *testing.T) {
	dir := t.TempDir()
	l := newSealedLog(t, dir)
	db, err := projections.OpenDB(filepath.Join(dir, "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	head, _ := l.store.Head(context.Background())
	err = projections.Rebuild(context.Background(), db, l.store, head, nil, projections.NewSet(db, natID).All()...)
	if err == nil {
		t.Fatal("rebuilt sealed events without a protector")
	}
}
