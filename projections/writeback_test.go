package projections_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/internal/app"
	"github.com/nordledger/ledger/projections"
	bolt "go.etcd.io/bbolt"
)

// writer is a store whose commit pipeline applies to the projections of db, as ledgerd's writer.
type writer struct {
	store *eventstore.Store
	db    *projections.DB
	set   *projections.Set
	r     *projections.Runner
}

func openWriter(t *testing.T, dir string) *writer {
	t.Helper()
	db, err := projections.OpenDB(filepath.Join(dir, "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	set := projections.NewSet(db, natID)
	r, err := projections.NewRunner(db, quiet, set.All()...)
	if err != nil {
		t.Fatal(err)
	}
	store, err := eventstore.Open(filepath.Join(dir, "events.db"), eventstore.Options{Applier: r})
	if err != nil {
		t.Fatal(err)
	}
	return &writer{store: store, db: db, set: set, r: r}
}

// close closes the store, then the projections file (which commits what the runner holds).
func (w *writer) close(t *testing.T) error {
	t.Helper()
	if err := w.store.Close(); err != nil {
		t.Fatal(err)
	}
	return w.db.Close()
}

func (w *writer) head(t *testing.T) uint64 {
	t.Helper()
	head, err := w.store.Head(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return head
}

// checkpoint is what the file records as the customers projection's checkpoint (a read of the
// file alone: it does not make the runner commit).
func (w *writer) checkpoint(t *testing.T) uint64 {
	t.Helper()
	st, err := w.db.State(projections.CustomersName)
	if err != nil {
		t.Fatal(err)
	}
	return st.Checkpoint
}

// allEvents returns every event of ledger 1000 through the audit index (a read that needs the
// file to hold everything applied).
func (w *writer) allEvents(t *testing.T) []eventstore.Event {
	t.Helper()
	var out []eventstore.Event
	for from := uint64(1); ; {
		page, err := w.set.Audit.Query(context.Background(), projections.AuditQuery{LedgerNo: "1000", FromPosition: from, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, page.Events...)
		if page.Next == 0 {
			return out
		}
		from = page.Next
	}
}

// TestWriteBackAnswersWhatEveryReadSees: on a writer the read models are written back — each
// group is applied into one open transaction that commits later — and yet every command's
// answer describes what the reads see: a customer read (GET, PATCH) from what the transaction
// wrote without waiting for its commit, the audit index and find-customer after making it
// commit. The file then holds everything, and after a close and a reopen equals a rebuild.
func TestWriteBackAnswersWhatEveryReadSees(t *testing.T) {
	defer projections.SetWriteBackAge(time.Hour)() // only reads, size and Close commit
	dir := t.TempDir()
	w := openWriter(t, dir)
	history(t, w.store, 20, 200, 5)
	head := w.head(t)
	if cp := w.checkpoint(t); cp >= head {
		t.Fatalf("the file holds the head %d (checkpoint %d) before any read: not written back", head, cp)
	}
	// Customers: from the open transaction, which stays open.
	readsAsTheLog(t, w, 20)
	if cp := w.checkpoint(t); cp >= head {
		t.Errorf("reading customers committed the transaction (checkpoint %d, head %d)", cp, head)
	}
	// The audit index: the transaction commits first.
	if n := len(w.allEvents(t)); uint64(n) != head {
		t.Errorf("the audit index lists %d events, the log holds %d", n, head)
	}
	if cp := w.checkpoint(t); cp != head {
		t.Errorf("after an audit read the file's checkpoint is %d, want the head %d", cp, head)
	}
	// A create after the commit: find-customer finds it (the index learns it at the commit the
	// look-up makes).
	ni := createWithNationalID(t, w.store, "600", "198112189876")
	if no, found, err := w.set.Customers.FindByNationalID(context.Background(), "1000", ni); err != nil || !found || no != "600" {
		t.Errorf("find-customer after a create: %q %v %v", no, found, err)
	}
	patches(t, w.store, 20, 50, "more") // left in the open transaction for Close
	head = w.head(t)
	// find-customer makes the transaction commit only when it changed the index (a create, a
	// forget): after PATCHes alone the file's index is the transaction's.
	if no, found, err := w.set.Customers.FindByNationalID(context.Background(), "1000", ni); err != nil || !found || no != "600" {
		t.Errorf("find-customer after PATCHes: %q %v %v", no, found, err)
	}
	if cp := w.checkpoint(t); cp >= head {
		t.Errorf("find-customer after PATCHes alone committed the transaction (checkpoint %d, head %d)", cp, head)
	}
	if err := w.close(t); err != nil {
		t.Fatalf("close: %v", err)
	}

	reopenedAtHead(t, dir, head, "after a clean close")
}

// TestWriteBackFailedCommitIsAppliedAgain: when the write-back transaction cannot commit (bbolt
// rolls it back), nothing a command was answered with goes missing: customer reads keep seeing
// it, a read that needs the file applies the lost events again from the log, and a close that
// cannot commit leaves a file the next start completes from the log — equal to a rebuild.
func TestWriteBackFailedCommitIsAppliedAgain(t *testing.T) {
	defer projections.SetWriteBackAge(time.Hour)()
	dir := t.TempDir()
	w := openWriter(t, dir)
	history(t, w.store, 10, 100, 7)
	head := w.head(t)
	before := w.checkpoint(t)
	full := errors.New("no space left on device (test)")
	failures := 0
	w.r.SetCommitFault(func() error { failures++; return full })

	readsAsTheLog(t, w, 10)
	// The audit read makes the transaction commit: it fails, and the events are applied again
	// from the log in direct transactions (which the fault does not touch).
	if n := len(w.allEvents(t)); uint64(n) != head {
		t.Errorf("the audit index lists %d events after a failed commit, the log holds %d", n, head)
	}
	if failures != 1 {
		t.Errorf("%d write-back commits failed, want 1", failures)
	}
	if cp := w.checkpoint(t); cp != head {
		t.Errorf("after the failed commit was applied again the checkpoint is %d (was %d), want %d", cp, before, head)
	}
	snapshot(t, w.set.Customers, 10) // the overlay is gone, the file answers

	// Now more, and a close whose commit fails: the file keeps its last checkpoint.
	patches(t, w.store, 10, 60, "before close")
	head = w.head(t)
	err := w.close(t)
	if !errors.Is(err, projections.ErrBehind) || !errors.Is(err, full) {
		t.Fatalf("close with a failing commit: %v", err)
	}
	reopenedAtHead(t, dir, head, "after a restart") // the runner applies the rest from the log
}

// TestWriteBackConcurrentReads: readers of every kind while commands are answered (run with
// -race): each reader, after a command's answer, sees at least that command's version.
func TestWriteBackConcurrentReads(t *testing.T) {
	defer projections.SetWriteBackAge(20 * time.Millisecond)() // the timer commits too
	w := openWriter(t, t.TempDir())
	defer w.close(t)
	history(t, w.store, 8, 0, 9)
	h, err := newHandler(w.store)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			no := fmt.Sprint(100 + g)
			for i := range 60 {
				patch, err := domain.ParsePatchCustomer(domain.PatchInput{EmailAddress: domain.Set(fmt.Sprintf("g%d-%d@example.com", g, i))})
				if err != nil {
					errs <- err
					return
				}
				res, err := h.Execute(ctx, "1000", no, nil, meta(), func(c *domain.Customer) ([]domain.Event, error) { return c.Patch(patch) })
				if err != nil {
					errs <- err
					return
				}
				s, found, err := w.set.Customers.Customer(ctx, "1000", no)
				if err != nil || !found || s.Version < res.Version {
					errs <- fmt.Errorf("customer %s after version %d: read version %d, found %v, %v", no, res.Version, s.Version, found, err)
					return
				}
				if i%10 == 0 {
					evs, version, err := w.set.Audit.StreamEvents(ctx, domain.StreamName("1000", no), 1, 1000)
					if err != nil || version < res.Version || uint64(len(evs)) < res.Version {
						errs <- fmt.Errorf("stream %s after version %d: audit version %d, %d events, %v", no, res.Version, version, len(evs), err)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// readsAsTheLog checks that the first n customers (100, 101, ...) read as their streams in the
// log make them.
func readsAsTheLog(t *testing.T, w *writer, n int) {
	t.Helper()
	for i, got := range snapshot(t, w.set.Customers, n) {
		c, err := app.LoadCustomer(context.Background(), w.store, domain.StreamName("1000", fmt.Sprint(100+i)), 0)
		if err != nil {
			t.Fatal(err)
		}
		if want := c.State(); !reflect.DeepEqual(got, want) {
			t.Errorf("customer %d: read version %d %q, the log's %d %q", 100+i, got.Version, got.EmailAddress, want.Version, want.EmailAddress)
		}
	}
}

// reopenedAtHead opens the writer in dir again and checks that its read models reach head, in
// the file, equal to a rebuild.
func reopenedAtHead(t *testing.T, dir string, head uint64, when string) {
	t.Helper()
	w := openWriter(t, dir)
	defer w.close(t)
	waitHead(t, w.store, w.r)
	if cp := w.checkpoint(t); cp != head {
		t.Errorf("%s the file's checkpoint is %d, want the head %d", when, cp, head)
	}
	if diffs := compare(t, w.db, rebuilt(t, w.store, filepath.Join(t.TempDir(), "fresh.db"), head)); len(diffs) > 0 {
		t.Errorf("%s the read models differ from a rebuild: %v", when, diffs)
	}
}

func newHandler(store *eventstore.Store) (*app.Handler, error) {
	return app.New(store, app.Config{ReservationKey: key})
}

func meta() app.Meta {
	return app.Meta{Actor: "t", CorrelationID: "c", Time: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
}

// createWithNationalID creates customer no with a Swedish national identifier and returns it.
func createWithNationalID(t *testing.T, store *eventstore.Store, no, regNo string) domain.NationalIdentifier {
	t.Helper()
	h, err := newHandler(store)
	if err != nil {
		t.Fatal(err)
	}
	p := domain.LedgerPolicy{LedgerNo: "1000", CountryCode: "SE"}
	in := domain.CustomerInput{CustomerNo: domain.Set(no), Name: domain.Set("Person " + no),
		NationalIdentifier: domain.Set(domain.NationalIdentifierInput{RegNo: domain.Set(regNo), CountryCode: domain.Set("SE")}),
		LegalAddress: domain.Set(domain.AddressInput{Addressee: domain.Set("Person " + no), City: domain.Set("STOCKHOLM"),
			ZipCode: domain.Set("11122"), CountryCode: domain.Set("SE")})}
	cmd, err := domain.ParseCreateCustomer(in, p, meta().Time)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Create(context.Background(), p, cmd, meta()); err != nil {
		t.Fatal(err)
	}
	c, err := app.LoadCustomer(context.Background(), store, domain.StreamName("1000", no), 0)
	if err != nil || c.State().NationalIdentifier == nil {
		t.Fatalf("customer %s: %+v, %v", no, c.State(), err)
	}
	return *c.State().NationalIdentifier
}

// patches changes the e-mail address of customers 100 to 100+customers-1, n times in turn.
func patches(t *testing.T, store *eventstore.Store, customers, n int, tag string) {
	t.Helper()
	h, err := newHandler(store)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		patch, err := domain.ParsePatchCustomer(domain.PatchInput{EmailAddress: domain.Set(fmt.Sprintf("p%d@example.com", i))})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.Execute(context.Background(), "1000", fmt.Sprint(100+i%customers), nil, meta(),
			func(c *domain.Customer) ([]domain.Event, error) { return c.Patch(patch) }); err != nil {
			t.Fatalf("%s: %v", tag, err)
		}
	}
}

// failingAt is a projection of ledgerd's set that fails at one position (a projection's bug).
type failingAt struct {
	projections.Batcher
	at uint64
}

func (f *failingAt) Apply(tx *bolt.Tx, e projections.Event) error {
	if e.Position == f.at {
		return errors.New("a projection's bug (test)")
	}
	return f.Batcher.Apply(tx, e)
}

// TestWriteBackFailedApplyKeepsTheAnswered: a projection that fails stops the runner, and its
// open transaction is dropped — with the groups before the failing one, which were answered.
// They are applied again from the log first: the file holds every answered state, as when each
// group committed alone.
func TestWriteBackFailedApplyKeepsTheAnswered(t *testing.T) {
	defer projections.SetWriteBackAge(time.Hour)()
	dir := t.TempDir()
	db, err := projections.OpenDB(filepath.Join(dir, "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	set := projections.NewSet(db, natID)
	const at = 15
	r, err := projections.NewRunner(db, quiet, set.Customers, &failingAt{Batcher: set.Audit, at: at})
	if err != nil {
		t.Fatal(err)
	}
	store, err := eventstore.Open(filepath.Join(dir, "events.db"), eventstore.Options{Applier: r})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	defer db.Close()
	h, err := newHandler(store)
	if err != nil {
		t.Fatal(err)
	}
	p := domain.LedgerPolicy{LedgerNo: "1000", CountryCode: "SE"}
	for i := 1; i <= at; i++ {
		cmd, err := domain.ParseCreateCustomer(domain.CustomerInput{CustomerNo: domain.Set(fmt.Sprint(99 + i)), Name: domain.Set("Customer"),
			LegalAddress: domain.Set(domain.AddressInput{Addressee: domain.Set("Customer"), City: domain.Set("STOCKHOLM"), ZipCode: domain.Set("11122"), CountryCode: domain.Set("SE")})}, p, meta().Time)
		if err != nil {
			t.Fatal(err)
		}
		_, err = h.Create(context.Background(), p, cmd, meta())
		if i < at && err != nil {
			t.Fatalf("create %d: %v", i, err)
		}
		if i == at && err == nil {
			t.Fatalf("create %d: answered although its projection failed", i)
		}
	}
	if r.Err() == nil {
		t.Fatal("the runner did not stop")
	}
	for _, name := range []string{projections.CustomersName, projections.AuditName} {
		if st, err := db.State(name); err != nil || st.Checkpoint != at-1 {
			t.Errorf("%s: the file holds position %d (%v), want every answered one: %d", name, st.Checkpoint, err, at-1)
		}
	}
	for i := 1; i < at; i++ {
		if _, found, err := set.Customers.Customer(context.Background(), "1000", fmt.Sprint(99+i)); err != nil || !found {
			t.Errorf("customer %d, answered, is not read: %v %v", 99+i, found, err)
		}
	}
}
