package disclosure_test

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/eventstore/personal"
	"github.com/nordledger/ledger/eventstore/personal/disclosure"
	"github.com/nordledger/ledger/internal/boltcheck"
)

var ctx = context.Background()

const master = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

// world is a real event log, key store and disclosure store in a temporary directory.
type world struct {
	log   *eventstore.Store
	keys  *personal.Store
	pd    *personal.Protector
	store *disclosure.Store
	svc   *disclosure.Service
	now   time.Time
}

func newWorld(t *testing.T) *world {
	t.Helper()
	dir := t.TempDir()
	log, err := eventstore.Open(filepath.Join(dir, "events.db"), eventstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ring, err := personal.ParseMasterKeys(master)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := personal.OpenStore(filepath.Join(dir, "keys.db"), ring, personal.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	store := openStore(t, filepath.Join(dir, "disclosures.db"))
	w := &world{log: log, keys: keys, pd: personal.NewProtector(keys), store: store, now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	t.Cleanup(func() { log.Close(); keys.Close() })
	w.svc, err = disclosure.NewService(disclosure.Config{Store: store, Log: log, Opener: w.pd, MaxAge: time.Minute, Now: func() time.Time { return w.now }})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// openStore opens a disclosure store that is checked for consistency when the test ends.
func openStore(t *testing.T, path string) *disclosure.Store {
	t.Helper()
	s, err := disclosure.Open(path, disclosure.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
		if err := boltcheck.Check(path, time.Second); err != nil {
			t.Error(err)
		}
	})
	return s
}

// appendEvent seals and appends an event to a stream; it returns its position.
func (w *world) appendEvent(t *testing.T, stream string, e domain.Event) uint64 {
	t.Helper()
	typ, v, data, err := domain.EncodeEvent(e)
	if err != nil {
		t.Fatal(err)
	}
	id := uuid.Must(uuid.NewV7())
	if data, err = w.pd.SealEvent(ctx, stream, id, typ, data); err != nil {
		t.Fatal(err)
	}
	res, err := w.log.Append(ctx, eventstore.AppendRequest{Stream: stream, Events: []eventstore.EventData{{ID: id, Type: typ, SchemaVersion: v, Time: w.now, Data: data}}})
	if err != nil {
		t.Fatal(err)
	}
	return res.LastPosition
}

var created = domain.CustomerCreated{CustomerNo: "9999", Name: "Britt-Marie Axelstopp", LegalStatus: "active", Source: domain.SourceAPI,
	LegalAddress: domain.Address{Addressee: "Britt-Marie Axelstopp", City: "STOCKHOLM", ZipCode: "15961", CountryCode: "SE"}}

func statuses(items []disclosure.Item) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.Status)
	}
	return out
}

// TestDisclose: a granted consumer gets each event opened, clear, erased or not found — another
// ledger's event is not found — and every opened event is recorded under its customer; a
// consumer without a grant gets ErrNotGranted and nothing is recorded.
func TestDisclose(t *testing.T) {
	w := newWorld(t)
	p1 := w.appendEvent(t, "1000/customers/9999", created)
	p2 := w.appendEvent(t, "1000/customers/9999", domain.SurplusRegistered{SurplusID: "S1", Balance: mustMoney(t), Date: w.now})
	other := created
	other.CustomerNo = "5555"
	p3 := w.appendEvent(t, "2000/customers/5555", other)
	p4 := w.appendEvent(t, "1000/customers/7777", created)
	p5 := w.appendEvent(t, "1000/customers/7777", domain.BillingAddressAdded{Address: created.LegalAddress})

	if _, err := w.svc.Disclose(ctx, disclosure.Request{LedgerNo: "1000", Consumer: "crm", Positions: []uint64{p1}}); !errors.Is(err, disclosure.ErrNotGranted) {
		t.Fatalf("without a grant: %v, want ErrNotGranted", err)
	}
	if _, err := w.store.Grant("1000", "crm", "operator", "CRM sync", w.now); err != nil {
		t.Fatal(err)
	}
	if err := w.keys.Destroy(ctx, "1000/customers/7777"); err != nil {
		t.Fatal(err)
	}
	resp, err := w.svc.Disclose(ctx, disclosure.Request{LedgerNo: "1000", Consumer: "crm", Positions: []uint64{p5, p1, p2, p3, p4, 99}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{disclosure.StatusErased, disclosure.StatusOpened, disclosure.StatusClear, disclosure.StatusNotFound, disclosure.StatusErased, disclosure.StatusNotFound}
	if got := statuses(resp.Items); !slices.Equal(got, want) {
		t.Fatalf("statuses %v, want %v", got, want)
	}
	if resp.MaxAge != 60 {
		t.Errorf("maxAge %d, want 60", resp.MaxAge)
	}
	opened := resp.Items[1]
	var got domain.CustomerCreated
	if err := json.Unmarshal(opened.Data, &got); err != nil || got.Name != created.Name || got.LegalAddress != created.LegalAddress {
		t.Errorf("opened data %s (%v)", opened.Data, err)
	}
	if opened.Subject != "customers/9999" || opened.Type != domain.TypeCustomerCreated || opened.ID == "" || opened.Position != p1 {
		t.Errorf("opened item %+v", opened)
	}
	if e := resp.Items[0]; !slices.Equal(e.Erased, []string{"address"}) || strings.Contains(string(e.Data), "STOCKHOLM") {
		t.Errorf("erased item %+v", e)
	}
	if nf := resp.Items[3]; nf.ID != "" || nf.Data != nil {
		t.Errorf("another ledger's event shows through: %+v", nf)
	}
	recs, next, err := w.store.Disclosures("1000", "9999", 0, 0)
	if err != nil || next != 0 {
		t.Fatal(err, next)
	}
	if len(recs) != 1 || recs[0].Consumer != "crm" || !slices.Equal(recs[0].Positions, []uint64{p1}) || !recs[0].Time.Equal(w.now) {
		t.Errorf("records of 9999: %+v", recs)
	}
	for _, no := range []string{"7777", "5555"} {
		if recs, _, _ := w.store.Disclosures("1000", no, 0, 0); len(recs) != 0 {
			t.Errorf("records of %s: %+v (nothing of it was disclosed)", no, recs)
		}
	}
	if _, err := w.svc.Disclose(ctx, disclosure.Request{LedgerNo: "2000", Consumer: "crm", Positions: []uint64{p3}}); !errors.Is(err, disclosure.ErrNotGranted) {
		t.Errorf("a grant on ledger 1000 opens ledger 2000: %v", err)
	}
}

// TestDiscloseWithheld: a customer the request withholds (a protected identity) is answered with
// its clear members and the names of the others, and nothing is recorded.
func TestDiscloseWithheld(t *testing.T) {
	w := newWorld(t)
	p := w.appendEvent(t, "1000/customers/9999", created)
	w.store.Grant("1000", "crm", "", "", w.now)
	resp, err := w.svc.Disclose(ctx, disclosure.Request{LedgerNo: "1000", Consumer: "crm", Positions: []uint64{p},
		Withhold: func(_ context.Context, no string, _ uint64) (bool, error) { return no == "9999", nil }})
	if err != nil {
		t.Fatal(err)
	}
	it := resp.Items[0]
	if it.Status != disclosure.StatusWithheld || it.Reason != disclosure.ReasonProtectedIdentity || !slices.Contains(it.Withheld, "name") ||
		strings.Contains(string(it.Data), "Axelstopp") || !strings.Contains(string(it.Data), `"customerNo":"9999"`) {
		t.Errorf("withheld item %+v %s", it, it.Data)
	}
	if recs, _, _ := w.store.Disclosures("1000", "9999", 0, 0); len(recs) != 0 {
		t.Errorf("a withheld event is recorded as disclosed: %+v", recs)
	}
}

// TestGrantsAndRevocation: grants are per ledger and consumer, idempotent, revocable, and kept
// with their history; a revoked consumer gets nothing more, and a re-grant is recorded anew.
func TestGrantsAndRevocation(t *testing.T) {
	w := newWorld(t)
	p := w.appendEvent(t, "1000/customers/9999", created)
	g1, err := w.store.Grant("1000", "crm", "alice", "CRM", w.now)
	if err != nil {
		t.Fatal(err)
	}
	if g2, _ := w.store.Grant("1000", "crm", "bob", "again", w.now.Add(time.Hour)); g2 != g1 {
		t.Errorf("granting again changed the grant: %+v, was %+v", g2, g1)
	}
	req := disclosure.Request{LedgerNo: "1000", Consumer: "crm", Positions: []uint64{p}}
	if _, err := w.svc.Disclose(ctx, req); err != nil {
		t.Fatal(err)
	}
	if _, err := w.store.Revoke("1000", "crm", "alice", w.now.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.Disclose(ctx, req); !errors.Is(err, disclosure.ErrNotGranted) {
		t.Errorf("after the revocation: %v", err)
	}
	if _, err := w.store.Revoke("1000", "crm", "alice", w.now); !errors.Is(err, disclosure.ErrNotGranted) {
		t.Errorf("revoking twice: %v", err)
	}
	grants, err := w.store.Grants()
	if err != nil || len(grants) != 1 || grants[0].Active() || grants[0].RevokedBy != "alice" {
		t.Errorf("grants %+v (%v)", grants, err)
	}
	w.store.Grant("1000", "crm", "carol", "back", w.now.Add(3*time.Hour))
	if _, err := w.svc.Disclose(ctx, req); err != nil {
		t.Errorf("after the re-grant: %v", err)
	}
	hist, err := w.store.History()
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, h := range hist {
		actions = append(actions, h.Action+" by "+h.By)
	}
	if want := []string{"grant by alice", "revoke by alice", "grant by carol"}; !slices.Equal(actions, want) {
		t.Errorf("history %v, want %v", actions, want)
	}
	if recs, _, _ := w.store.Disclosures("1000", "9999", 0, 0); len(recs) != 2 {
		t.Errorf("%d records, want 2 (before the revocation and after the re-grant)", len(recs))
	}
	for _, bad := range [][2]string{{"", "crm"}, {"1000", ""}, {"10/00", "crm"}, {"1000", "crm\n"}, {"1000", " crm"}} {
		if _, err := w.store.Grant(bad[0], bad[1], "", "", w.now); !errors.Is(err, disclosure.ErrInvalidName) {
			t.Errorf("Grant(%q, %q): %v, want ErrInvalidName", bad[0], bad[1], err)
		}
	}
}

// newTwoCustomerWorld is a world with customers 9999 and 99991 (whose number starts with the
// other's), each created at the positions returned, and consumer crm granted ledger 1000.
func newTwoCustomerWorld(t *testing.T) (w *world, p, q uint64) {
	w = newWorld(t)
	p = w.appendEvent(t, "1000/customers/9999", created)
	other := created
	other.CustomerNo = "99991"
	q = w.appendEvent(t, "1000/customers/99991", other)
	w.store.Grant("1000", "crm", "", "", w.now)
	return w, p, q
}

// TestDisclosuresPaging: a customer's records page by sequence, and another customer whose
// number starts with the same digits is not mixed in.
func TestDisclosuresPaging(t *testing.T) {
	w, p, q := newTwoCustomerWorld(t)
	for i := 0; i < 5; i++ {
		if _, err := w.svc.Disclose(ctx, disclosure.Request{LedgerNo: "1000", Consumer: "crm", Positions: []uint64{p, q}}); err != nil {
			t.Fatal(err)
		}
	}
	var all []disclosure.Record
	for after := uint64(0); ; {
		recs, next, err := w.store.Disclosures("1000", "9999", after, 2)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, recs...)
		if next == 0 {
			break
		}
		after = next
	}
	if len(all) != 5 {
		t.Fatalf("%d records, want 5", len(all))
	}
	for _, r := range all {
		if r.CustomerNo != "9999" || !slices.Equal(r.Positions, []uint64{p}) {
			t.Errorf("record %+v", r)
		}
	}
}

// TestStoreReopen: grants and records survive a close, and a read-only store reads them but
// changes nothing.
func TestStoreReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "disclosures.db")
	s, err := disclosure.Open(path, disclosure.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Grant("1000", "crm", "", "", time.Now())
	s.Close()
	ro, err := disclosure.Open(path, disclosure.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if ok, err := ro.Granted("1000", "crm"); !ok || err != nil {
		t.Errorf("Granted after reopening: %v %v", ok, err)
	}
	if _, err := ro.Revoke("1000", "crm", "", time.Now()); !errors.Is(err, disclosure.ErrReadOnly) {
		t.Errorf("Revoke on a read-only store: %v", err)
	}
	if _, err := disclosure.Open(filepath.Join(t.TempDir(), "missing.db"), disclosure.Options{ReadOnly: true}); err == nil {
		t.Error("a missing file opens read-only")
	}
}

func mustMoney(t *testing.T) domain.Money {
	m, err := domain.NewMoney(1000, "SEK")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestPrune: Prune deletes the records made before its time — across several transactions,
// whatever customer they are under — and keeps the others; a second prune deletes nothing; a
// read-only store refuses.
func TestPrune(t *testing.T) {
	defer disclosure.SetPruneScan(3)()
	w, p, q := newTwoCustomerWorld(t)
	start := w.now
	for i := 0; i < 4; i++ { // at start, +1h, +2h, +3h: two records each (one per customer)
		if _, err := w.svc.Disclose(ctx, disclosure.Request{LedgerNo: "1000", Consumer: "crm", Positions: []uint64{p, q}}); err != nil {
			t.Fatal(err)
		}
		w.now = w.now.Add(time.Hour)
	}
	times := func(customerNo string) []time.Time {
		recs, _, err := w.store.Disclosures("1000", customerNo, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		var out []time.Time
		for _, r := range recs {
			out = append(out, r.Time)
		}
		return out
	}
	n, err := w.store.Prune(start.Add(90 * time.Minute))
	if err != nil || n != 4 {
		t.Fatalf("Prune: %d deleted, %v; want 4", n, err)
	}
	want := []time.Time{start.Add(2 * time.Hour), start.Add(3 * time.Hour)}
	for _, c := range []string{"9999", "99991"} {
		if got := times(c); !slices.EqualFunc(got, want, time.Time.Equal) {
			t.Errorf("customer %s keeps records of %v, want %v", c, got, want)
		}
	}
	if n, err := w.store.Prune(start.Add(90 * time.Minute)); err != nil || n != 0 {
		t.Errorf("a second prune: %d deleted, %v", n, err)
	}
	if n, err := w.store.Prune(start); err != nil || n != 0 {
		t.Errorf("a prune before every record: %d deleted, %v", n, err)
	}

	path := filepath.Join(t.TempDir(), "disclosures.db")
	s, err := disclosure.Open(path, disclosure.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	ro, err := disclosure.Open(path, disclosure.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if _, err := ro.Prune(time.Now()); !errors.Is(err, disclosure.ErrReadOnly) {
		t.Errorf("Prune on a read-only store: %v", err)
	}
}

// TestDisclosuresAfterTheLast: after the highest record number there is nothing — not the
// customer's records from the start again (after+1 must not wrap around to 0).
func TestDisclosuresAfterTheLast(t *testing.T) {
	w, p, _ := newTwoCustomerWorld(t)
	if _, err := w.svc.Disclose(ctx, disclosure.Request{LedgerNo: "1000", Consumer: "crm", Positions: []uint64{p}}); err != nil {
		t.Fatal(err)
	}
	for _, after := range []uint64{1, math.MaxUint64 - 1, math.MaxUint64} {
		recs, next, err := w.store.Disclosures("1000", "9999", after, 10)
		if err != nil || len(recs) != 0 || next != 0 {
			t.Errorf("Disclosures(after %d): %d records, next %d, %v; want none", after, len(recs), next, err)
		}
	}
}
