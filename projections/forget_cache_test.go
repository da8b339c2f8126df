package projections_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/eventstore/personal"
	"github.com/nordledger/ledger/internal/app"
	"github.com/nordledger/ledger/projections"
)

// sealedWriter is a writer (the log's commit pipeline applies to the read models) whose
// customers are sealed, with its key store and a handler that can forget.
type sealedWriter struct {
	*writer
	keys *personal.Store
	pd   *personal.Protector
	h    *app.Handler
}

func openSealedWriter(t *testing.T, dir string) *sealedWriter {
	t.Helper()
	return openSealedWriterWith(t, dir, nil)
}

// openSealedWriterWith is openSealedWriter whose protector and handler use what wrap makes of
// the key store (nil: the store itself).
func openSealedWriterWith(t *testing.T, dir string, wrap func(*personal.Store) (personal.KeySource, app.KeyDestroyer)) *sealedWriter {
	t.Helper()
	ring, err := personal.ParseMasterKeys(masterKey)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := personal.OpenStore(filepath.Join(dir, "keys.db"), ring, personal.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { keys.Close() })
	var source personal.KeySource = keys
	var destroyer app.KeyDestroyer = keys
	if wrap != nil {
		source, destroyer = wrap(keys)
	}
	pd := personal.NewProtector(source)
	db, err := projections.OpenDB(filepath.Join(dir, "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	set := projections.NewSet(db, natID).Protect(pd)
	r, err := projections.NewRunner(db, quiet, set.All()...)
	if err != nil {
		t.Fatal(err)
	}
	store, err := eventstore.Open(filepath.Join(dir, "events.db"), eventstore.Options{Applier: r})
	if err != nil {
		t.Fatal(err)
	}
	w := &writer{store: store, db: db, set: set, r: r}
	t.Cleanup(func() { store.Close(); db.Close() })
	h, err := app.New(store, app.Config{ReservationKey: key, Protector: pd, Keys: destroyer})
	if err != nil {
		t.Fatal(err)
	}
	return &sealedWriter{writer: w, keys: keys, pd: pd, h: h}
}

var sealedPolicy = domain.LedgerPolicy{LedgerNo: "1000", CountryCode: "SE"}

// createSealed creates customer no with a name and a street address (sealed).
func (w *sealedWriter) createSealed(t *testing.T, no, regNo string) {
	t.Helper()
	in := domain.CustomerInput{CustomerNo: domain.Set(no), Name: domain.Set("Sealed Person " + no),
		NationalIdentifier: domain.Set(domain.NationalIdentifierInput{RegNo: domain.Set(regNo), CountryCode: domain.Set("SE")}),
		LegalAddress: domain.Set(domain.AddressInput{Addressee: domain.Set("Sealed Person " + no), StreetAddress: domain.Set("Hemligvägen 1"),
			City: domain.Set("GÖTEBORG"), ZipCode: domain.Set("41101"), CountryCode: domain.Set("SE")})}
	cmd, err := domain.ParseCreateCustomer(in, sealedPolicy, meta().Time)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.h.Create(context.Background(), sealedPolicy, cmd, meta()); err != nil {
		t.Fatal(err)
	}
}

// personalIn returns which personal values of a created customer a state shows.
func personalIn(s domain.CustomerState) []string {
	var shown []string
	if s.Name != "" {
		shown = append(shown, "name "+s.Name)
	}
	if s.LegalAddress != nil {
		shown = append(shown, "street "+s.LegalAddress.StreetAddress)
	}
	if s.NationalIdentifier != nil {
		shown = append(shown, "national identifier")
	}
	return shown
}

// TestDestroyedKeyHidesTheRememberedState: a forget stored while the read models cannot apply
// it (the applier is stuck: a full disk) is answered "stored, not readable yet" and the
// customer's data key is destroyed (app.Forget). From then on the customer's sealed state
// reads as forgotten (decodeState: the key is gone) — and so must a state the projection
// remembered decoded (stateCache) for those same stored bytes: the key's destruction is what
// makes the personal data unreadable.
func TestDestroyedKeyHidesTheRememberedState(t *testing.T) {
	t.Cleanup(projections.SetWriteBackAge(time.Hour)) // restored after the writer's cleanup closed it
	ctx := context.Background()
	w := openSealedWriter(t, t.TempDir())
	w.createSealed(t, "500", "198112189876")
	// The file holds the customer (an audit read makes the write-back commit); the create's
	// state stays remembered decoded.
	w.allEvents(t)
	if s, _, err := w.set.Customers.Customer(ctx, "1000", "500"); err != nil || len(personalIn(s)) == 0 {
		t.Fatalf("the created customer reads %+v, %v", s, err)
	}

	release := w.r.HoldApply() // the read models cannot apply from now on
	fctx, cancel := context.WithCancel(ctx)
	sub := w.store.Subscribe(fctx, w.head(t)+1)
	go func() { // the forget's client stops waiting once the forget is stored (committed)
		<-sub.C
		cancel()
	}()
	_, err := w.h.Forget(fctx, sealedPolicy, "500", app.Meta{Actor: "dpo", Time: meta().Time.Add(time.Hour)})
	if !errors.Is(err, eventstore.ErrNotApplied) {
		release()
		t.Fatalf("forget while the read models cannot apply: %v, want ErrNotApplied (stored, not readable yet)", err)
	}
	if rec, _, err := w.keys.Record(domain.StreamName("1000", "500")); err != nil || !rec.Destroyed {
		release()
		t.Fatalf("the forgotten customer's key: %+v, %v; want destroyed", rec, err)
	}

	// The same bytes, read by a projection that remembers nothing: forgotten.
	fresh := projections.NewCustomers(w.db, natID).Protect(w.pd)
	if s, found, err := fresh.Customer(ctx, "1000", "500"); err != nil || !found || !s.Forgotten || len(personalIn(s)) > 0 {
		t.Errorf("the stored state read afresh after the key's destruction: %+v %v %v; want forgotten", s, found, err)
	}
	s, found, err := w.set.Customers.Customer(ctx, "1000", "500")
	if err != nil || !found || len(personalIn(s)) > 0 {
		t.Errorf("after the key's destruction the customer still reads with its personal data (%v): found %v, %v", personalIn(s), found, err)
	}
	release()
	waitHead(t, w.store, w.r)
	if s, found, err := w.set.Customers.Customer(ctx, "1000", "500"); err != nil || !found || !s.Forgotten || len(personalIn(s)) > 0 {
		t.Errorf("once the forget is applied the customer reads %+v %v %v; want forgotten", s, found, err)
	}
}
