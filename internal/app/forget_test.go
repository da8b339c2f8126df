package app_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/eventstore/personal"
	"github.com/nordledger/ledger/internal/app"
)

const masterKey = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

// setupSealed returns a handler that seals personal data, its store and its key store, and a
// handler writing the old (clear) form into the same store.
func setupSealed(t *testing.T) (*app.Handler, *eventstore.Store, *personal.Store, *app.Handler) {
	t.Helper()
	dir := t.TempDir()
	store, err := eventstore.Open(filepath.Join(dir, "events.db"), eventstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	ring, err := personal.ParseMasterKeys(masterKey)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := personal.OpenStore(filepath.Join(dir, "keys.db"), ring, personal.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { keys.Close() })
	h, err := app.New(store, app.Config{ReservationKey: key, Protector: personal.NewProtector(keys), Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	legacy, err := app.New(store, app.Config{ReservationKey: key})
	if err != nil {
		t.Fatal(err)
	}
	return h, store, keys, legacy
}

// TestHandlerSealsPersonalData: the stored events hold no personal value in the clear, and the
// handler loads the customer from them.
func TestHandlerSealsPersonalData(t *testing.T) {
	h, store, _, _ := setupSealed(t)
	se := domain.LedgerPolicy{LedgerNo: "1000", CountryCode: "SE"}
	if _, err := create(t, h, se, "9999", "19121212-1212"); err != nil {
		t.Fatal(err)
	}
	events, _ := store.ReadStream(context.Background(), domain.StreamName("1000", "9999"), 1, 10)
	for _, v := range []string{"Tolvan", "19121212", "STOCKHOLM", "15961"} {
		if bytes.Contains(events[0].Data, []byte(v)) {
			t.Errorf("%q stored in the clear: %s", v, events[0].Data)
		}
	}
	if !bytes.Contains(events[0].Data, []byte(`"customerNo":"9999"`)) {
		t.Errorf("the customer number is not in the clear: %s", events[0].Data)
	}
	c, err := h.Load(context.Background(), "1000", "9999")
	if err != nil || c.State().Name != "Tolvan Tolvansson" || c.State().LegalAddress.City != "STOCKHOLM" {
		t.Fatalf("loaded %+v %v", c.State(), err)
	}
	// A loader without the protector refuses sealed events rather than read them half.
	if _, err := app.LoadCustomer(context.Background(), store, domain.StreamName("1000", "9999"), 0); err == nil {
		t.Fatal("LoadCustomer read a sealed event without its key")
	}
}

func TestForgetCustomer(t *testing.T) {
	h, store, keys, _ := setupSealed(t)
	ctx := context.Background()
	se := domain.LedgerPolicy{LedgerNo: "1000", CountryCode: "SE"}
	if _, err := create(t, h, se, "9999", "19121212-1212"); err != nil {
		t.Fatal(err)
	}
	surplus, err := domain.ParseRegisterSurplus(domain.SurplusInput{SurplusID: domain.Set("s1"), Balance: domain.Set("10.00"), Currency: domain.Set("SEK")}, today)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Execute(ctx, "1000", "9999", nil, meta, func(c *domain.Customer) ([]domain.Event, error) { return c.RegisterSurplus(surplus) }); err != nil {
		t.Fatal(err)
	}
	// Refused while a surplus is open, and when the retention period is not over.
	if _, err := h.Forget(ctx, se, "9999", meta); !errors.Is(err, domain.ErrConflict) || !strings.Contains(err.Error(), "not depleted") {
		t.Fatalf("forget with an open surplus: %v", err)
	}
	if _, err := h.Execute(ctx, "1000", "9999", nil, meta, func(c *domain.Customer) ([]domain.Event, error) {
		return c.SettleSurplus("s1", domain.SettleSurplus{})
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Execute(ctx, "1000", "9999", nil, meta, func(c *domain.Customer) ([]domain.Event, error) { return c.ConfirmRegulation("s1") }); err != nil {
		t.Fatal(err)
	}
	year, _ := domain.ParseRetentionPeriod("P1Y")
	retained := se
	retained.Retention = year
	if _, err := h.Forget(ctx, retained, "9999", meta); !errors.Is(err, domain.ErrConflict) || !strings.Contains(err.Error(), "retention period (P1Y)") {
		t.Fatalf("forget within the retention period: %v", err)
	}
	later := meta
	later.Time = today.AddDate(1, 0, 0)
	res, err := h.Forget(ctx, retained, "9999", later)
	if err != nil || !res.Changed || res.Version != 5 {
		t.Fatalf("forget: %+v %v", res, err)
	}
	// The key is gone: the events' personal data is erased, the customer is forgotten.
	if rec, _, _ := keys.Record(domain.StreamName("1000", "9999")); !rec.Destroyed {
		t.Fatal("the data key is not destroyed")
	}
	c, err := h.Load(ctx, "1000", "9999")
	if err != nil {
		t.Fatalf("load after forget: %v", err)
	}
	if !c.Forgotten() || c.Version() != 5 || c.State().Name != "" {
		t.Fatalf("loaded after forget: %+v", c.State())
	}
	events, _ := store.ReadStream(ctx, domain.StreamName("1000", "9999"), 1, 10)
	if last := events[len(events)-1]; last.Type != domain.TypeCustomerForgotten || !bytes.Contains(last.Data, []byte(`"nationalIdentifierReleased":true`)) {
		t.Fatalf("last event %s %s", last.Type, last.Data)
	}
	// Nothing more happens to it; its number stays taken, its national identifier is free.
	if _, err := h.Execute(ctx, "1000", "9999", nil, meta, func(c *domain.Customer) ([]domain.Event, error) { return c.RemoveBillingAddress() }); !errors.Is(err, domain.ErrCustomerForgotten) {
		t.Fatalf("command on a forgotten customer: %v", err)
	}
	if _, err := h.Forget(ctx, se, "9999", meta); !errors.Is(err, domain.ErrCustomerForgotten) {
		t.Fatalf("forget again: %v", err)
	}
	if _, err := create(t, h, se, "9999", ""); !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("the customer number was freed: %v", err)
	}
	if _, err := create(t, h, se, "8888", "19121212-1212"); err != nil {
		t.Fatalf("the national identifier was not freed: %v", err)
	}
	if _, err := h.Forget(ctx, se, "7777", meta); !errors.Is(err, domain.ErrCustomerNotFound) {
		t.Fatalf("forget of no customer: %v", err)
	}
}

// TestForgetRefusesClearEvents: a customer whose events were stored before sealing existed cannot
// be erased by destroying a key: refused, and nothing is written.
func TestForgetRefusesClearEvents(t *testing.T) {
	h, store, _, legacy := setupSealed(t)
	ctx := context.Background()
	se := domain.LedgerPolicy{LedgerNo: "1000", CountryCode: "SE"}
	if _, err := create(t, legacy, se, "9999", ""); err != nil {
		t.Fatal(err)
	}
	// The sealing handler reads the old form and seals what it adds.
	c, err := h.Load(ctx, "1000", "9999")
	if err != nil || c.State().Name != "Tolvan Tolvansson" {
		t.Fatalf("old form: %+v %v", c.State(), err)
	}
	a, _ := domain.ParseAddress(domain.AddressInput{Addressee: domain.Set("Kalle"), City: domain.Set("UPPSALA"), ZipCode: domain.Set("75320"), CountryCode: domain.Set("SE")}, "")
	if _, err := h.Execute(ctx, "1000", "9999", nil, meta, func(c *domain.Customer) ([]domain.Event, error) { return c.AddBillingAddress(a) }); err != nil {
		t.Fatal(err)
	}
	events, _ := store.ReadStream(ctx, domain.StreamName("1000", "9999"), 1, 10)
	if len(events) != 2 || !bytes.Contains(events[0].Data, []byte("Tolvan")) || bytes.Contains(events[1].Data, []byte("UPPSALA")) {
		t.Fatalf("events %s / %s", events[0].Data, events[1].Data)
	}
	if c, _ := h.Load(ctx, "1000", "9999"); c.State().BillingAddress == nil || c.State().BillingAddress.City != "UPPSALA" {
		t.Fatal("mixed forms do not load")
	}
	_, err = h.Forget(ctx, se, "9999", app.Meta{Actor: "a", Time: today.Add(time.Hour)})
	if !errors.Is(err, domain.ErrConflict) || !strings.Contains(err.Error(), "in the clear") {
		t.Fatalf("forget: %v", err)
	}
	if v, _ := store.StreamVersion(ctx, domain.StreamName("1000", "9999")); v != 2 {
		t.Fatal("a refused forget wrote")
	}
}

// failingDestroyer is a key store whose next Destroy fails as on a full disk.
type failingDestroyer struct {
	*personal.Store
	fail atomic.Bool
}

func (f *failingDestroyer) Destroy(ctx context.Context, subjects ...string) error {
	if f.fail.Swap(false) {
		return fmt.Errorf("%w: personal: destroying keys: no space left on device (test)", eventstore.ErrWriteFailed)
	}
	return f.Store.Destroy(ctx, subjects...)
}

// TestForgetWithKeyNotDestroyed: a forget stored whose key's destruction fails is answered as
// what it is — stored, the key not destroyed yet (ErrKeyNotDestroyed, with the stored version) —
// not as a write that failed ("the change was not stored"); sending the forget again destroys
// the key before it answers that the customer was forgotten already.
func TestForgetWithKeyNotDestroyed(t *testing.T) {
	_, store, keys, _ := setupSealed(t)
	destroyer := &failingDestroyer{Store: keys}
	destroyer.fail.Store(true)
	h, err := app.New(store, app.Config{ReservationKey: key, Protector: personal.NewProtector(keys), Keys: destroyer})
	if err != nil {
		t.Fatal(err)
	}
	se := domain.LedgerPolicy{LedgerNo: "1000", CountryCode: "SE"}
	if _, err := create(t, h, se, "9999", "19121212-1212"); err != nil {
		t.Fatal(err)
	}
	res, err := h.Forget(context.Background(), se, "9999", meta)
	if !errors.Is(err, app.ErrKeyNotDestroyed) || errors.Is(err, eventstore.ErrWriteFailed) || !res.Changed || res.Version != 2 {
		t.Fatalf("forget whose key cannot be destroyed: %+v, %v; want stored at version 2 with ErrKeyNotDestroyed (and not ErrWriteFailed)", res, err)
	}
	events, _ := store.ReadStream(context.Background(), domain.StreamName("1000", "9999"), 1, 10)
	if len(events) != 2 || events[1].Type != domain.TypeCustomerForgotten {
		t.Fatalf("the forget is not stored: %d events", len(events))
	}
	stream := domain.StreamName("1000", "9999")
	if rec, _, _ := keys.Record(stream); rec.Destroyed {
		t.Fatal("the key is destroyed although Destroy failed")
	}
	// Until it is, the key store answers it as destroyed: nothing opens the customer's personal
	// data meanwhile (time travel, the audit trail, disclosures), as on a reader.
	if _, err := keys.DataKey(context.Background(), stream, false); !errors.Is(err, personal.ErrKeyDestroyed) {
		t.Errorf("the forgotten customer's key, not destroyed yet: %v; want ErrKeyDestroyed", err)
	}
	if opened, err := personal.NewProtector(keys).OpenEvent(context.Background(), events[0]); err != nil || len(opened.Erased) == 0 || strings.Contains(string(opened.Data), "Tolvan") {
		t.Errorf("the forgotten customer's create opens as %s (erased %v, %v); want its personal members erased", opened.Data, opened.Erased, err)
	}
	var de *domain.Error
	if _, err := h.Forget(context.Background(), se, "9999", meta); !errors.As(err, &de) || de.Code != domain.CodeCustomerForgotten {
		t.Fatalf("the forget sent again: %v; want customer-forgotten", err)
	}
	if rec, _, err := keys.Record(stream); err != nil || !rec.Destroyed {
		t.Errorf("after the forget was sent again the key is %+v (%v); want destroyed", rec, err)
	}
}

// blockingDestroyer is a key store whose Destroy waits until released, after saying it began.
type blockingDestroyer struct {
	*personal.Store
	began   chan struct{}
	release chan struct{}
}

func (b *blockingDestroyer) Destroy(ctx context.Context, subjects ...string) error {
	b.began <- struct{}{}
	<-b.release
	return b.Store.Destroy(ctx, subjects...)
}

// TestForgetsSettled: the handler says when every forget it began has stored nothing or destroyed
// its key — what lets the writer record the log's head as reconciled while it runs. Not while a
// forget is between its event and its key's destruction, and never again (until a start) after a
// forget returned with its key not destroyed; a refused forget changes nothing.
func TestForgetsSettled(t *testing.T) {
	_, store, keys, _ := setupSealed(t)
	blocking := &blockingDestroyer{Store: keys, began: make(chan struct{}), release: make(chan struct{})}
	h, err := app.New(store, app.Config{ReservationKey: key, Protector: personal.NewProtector(keys), Keys: blocking})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	se := domain.LedgerPolicy{LedgerNo: "1000", CountryCode: "SE"}
	for _, no := range []string{"9999", "8888"} {
		if _, err := create(t, h, se, no, ""); err != nil {
			t.Fatal(err)
		}
	}
	if !h.ForgetsSettled() {
		t.Fatal("settled is false before any forget")
	}
	if _, err := h.Forget(ctx, se, "7777", meta); !errors.Is(err, domain.ErrCustomerNotFound) || !h.ForgetsSettled() {
		t.Fatalf("a refused forget (%v) left settled %v; want true", err, h.ForgetsSettled())
	}
	forgot := make(chan error)
	go func() {
		_, err := h.Forget(ctx, se, "9999", meta)
		forgot <- err
	}()
	<-blocking.began // the event is stored, the key not destroyed yet
	if h.ForgetsSettled() {
		t.Error("settled while a forget's key is not destroyed yet")
	}
	blocking.release <- struct{}{}
	if err := <-forgot; err != nil {
		t.Fatal(err)
	}
	if !h.ForgetsSettled() {
		t.Fatal("not settled after the forget destroyed its key")
	}

	// A forget whose key cannot be destroyed: never settled again in this handler's life.
	failing := &failingDestroyer{Store: keys}
	failing.fail.Store(true)
	h2, err := app.New(store, app.Config{ReservationKey: key, Protector: personal.NewProtector(keys), Keys: failing})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h2.Forget(ctx, se, "8888", meta); !errors.Is(err, app.ErrKeyNotDestroyed) {
		t.Fatalf("forget: %v; want ErrKeyNotDestroyed", err)
	}
	if h2.ForgetsSettled() {
		t.Fatal("settled after a forget returned with its key not destroyed")
	}
	var de *domain.Error
	if _, err := h2.Forget(ctx, se, "8888", meta); !errors.As(err, &de) || de.Code != domain.CodeCustomerForgotten {
		t.Fatalf("the forget sent again: %v", err)
	}
	if h2.ForgetsSettled() {
		t.Error("settled again in the same life: only a start's Reconcile is sure to have read every forget")
	}
}
