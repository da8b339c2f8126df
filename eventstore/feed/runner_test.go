package feed_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/eventstore/feed"
	"github.com/nordledger/ledger/eventstore/relay"
	"github.com/nordledger/ledger/internal/app"
	"github.com/nordledger/ledger/projections"
)

var key = []byte("feed-test-key-feed-test-key-feed-test")

// customers creates n customers and changes each a few times through the command handler.
func customers(t *testing.T, store *eventstore.Store, n int) {
	t.Helper()
	h, err := app.New(store, app.Config{ReservationKey: key})
	if err != nil {
		t.Fatal(err)
	}
	p := domain.LedgerPolicy{LedgerNo: "1000", CountryCode: "SE"}
	meta := app.Meta{Actor: "t", CorrelationID: "c", Time: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	for i := 0; i < n; i++ {
		cmd, err := domain.ParseCreateCustomer(domain.CustomerInput{CustomerNo: domain.Set(fmt.Sprint(100 + i)), Name: domain.Set(fmt.Sprint("Customer ", i)),
			NationalIdentifier: domain.Set(personNo(i)),
			LegalAddress: domain.Set(domain.AddressInput{Addressee: domain.Set(fmt.Sprint("A ", i)), City: domain.Set("STOCKHOLM"),
				ZipCode: domain.Set(fmt.Sprint(10000 + i)), CountryCode: domain.Set("se")}),
		}, p, meta.Time)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.Create(context.Background(), p, cmd, meta); err != nil {
			t.Fatal(err)
		}
		patch, err := domain.ParsePatchCustomer(domain.PatchInput{EmailAddress: domain.Set(fmt.Sprintf("c%d@example.com", i))})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.Execute(context.Background(), "1000", fmt.Sprint(100+i), nil, meta, func(c *domain.Customer) ([]domain.Event, error) { return c.Patch(patch) }); err != nil {
			t.Fatal(err)
		}
	}
}

// personNo returns a valid Swedish personal number for customer i (born 1 January 19(40+i)).
func personNo(i int) domain.NationalIdentifierInput {
	digits := fmt.Sprintf("%02d0101%03d", 40+i, 100+i)
	sum := 0
	for k, r := range digits {
		d := int(r - '0')
		if k%2 == 0 {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	no := fmt.Sprintf("19%s-%s%d", digits[:6], digits[6:], (10-sum%10)%10)
	return domain.NationalIdentifierInput{CountryCode: domain.Set("SE"), RegNo: domain.Set(no)}
}

type runningModel struct {
	customers *projections.Customers
	runner    *projections.Runner
	stop      func() error
}

// runModel runs the customer projection in the file at path, fed by f.
// runModel runs a customers read model at path, fed by a reader's feed f — or, with f nil, by
// the writer's log (Runner.Follow).
func runModel(t *testing.T, path string, f projections.Feed, store ...*eventstore.Store) *runningModel {
	t.Helper()
	db, err := projections.OpenDB(path)
	if err != nil {
		t.Fatal(err)
	}
	c := projections.NewCustomers(db, func(l string, ni domain.NationalIdentifier) string { return app.NationalIDKey(key, l, ni) })
	r, err := projections.NewRunner(db, quiet, c)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		if f == nil {
			done <- r.Follow(ctx, store[0])
			return
		}
		done <- r.Run(ctx, f)
	}()
	stopped := false
	stop := func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		err := <-done
		return errors.Join(err, db.Close())
	}
	t.Cleanup(func() { stop() })
	return &runningModel{customers: c, runner: r, stop: stop}
}

func (m *runningModel) waitFor(t *testing.T, pos uint64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := m.runner.WaitFor(ctx, pos); err != nil {
		t.Fatalf("read model did not reach %d: %v", pos, err)
	}
}

func (m *runningModel) snapshot(t *testing.T, n int) []domain.CustomerState {
	t.Helper()
	out := make([]domain.CustomerState, n)
	for i := range out {
		s, ok, err := m.customers.Customer(context.Background(), "1000", fmt.Sprint(100+i))
		if err != nil || !ok {
			t.Fatalf("customer %d: found %v, %v", 100+i, ok, err)
		}
		out[i] = s
	}
	return out
}

// TestReplicaReadModelEqualsWriters: the read model a reader builds from JetStream equals the
// writer's built from its log, also after the reader restarts and more events arrive.
func TestReplicaReadModelEqualsWriters(t *testing.T) {
	store := openStore(t)
	srv := startNATS(t, t.TempDir(), -1)
	js := jetStream(t, srv.ClientURL())
	startRelay(t, store, js)
	dir := t.TempDir()
	writer := runModel(t, filepath.Join(dir, "writer.db"), nil, store)
	f, _ := feed.NewJetStream(js, relay.DefaultStreamName, "reader", quiet)
	reader := runModel(t, filepath.Join(dir, "reader.db"), f)

	customers(t, store, 20)
	head, _ := store.Head(context.Background())
	writer.waitFor(t, head)
	reader.waitFor(t, head)
	if w, r := writer.snapshot(t, 20), reader.snapshot(t, 20); !reflect.DeepEqual(w, r) {
		t.Fatalf("reader differs from writer:\n%+v\n%+v", r, w)
	}
	if err := reader.stop(); err != nil {
		t.Fatal(err)
	}

	customers2 := func() { // more events while the reader is down
		h, _ := app.New(store, app.Config{ReservationKey: key})
		patch, _ := domain.ParsePatchCustomer(domain.PatchInput{EmailAddress: domain.Set("later@example.com")})
		for i := 0; i < 20; i++ {
			if _, err := h.Execute(context.Background(), "1000", fmt.Sprint(100+i), nil, app.Meta{Actor: "t", Time: time.Now()},
				func(c *domain.Customer) ([]domain.Event, error) { return c.Patch(patch) }); err != nil {
				t.Fatal(err)
			}
		}
	}
	customers2()
	head, _ = store.Head(context.Background())
	reader = runModel(t, filepath.Join(dir, "reader.db"), f)
	writer.waitFor(t, head)
	reader.waitFor(t, head)
	if w, r := writer.snapshot(t, 20), reader.snapshot(t, 20); !reflect.DeepEqual(w, r) {
		t.Fatalf("restarted reader differs from writer:\n%+v\n%+v", r, w)
	}
	ni, _, err := domain.ParseNationalIdentifier(personNo(2), "nationalIdentifier", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	no, ok, err := reader.customers.FindByNationalID(context.Background(), "1000", ni)
	if err != nil || !ok || no != "102" {
		t.Fatalf("find on the reader: %q %v %v", no, ok, err)
	}
}

// TestRunnerStopsAtAGapInTheStream: a message missing from the stream stops the reader's runner
// with a GapError instead of building a wrong read model.
func TestRunnerStopsAtAGapInTheStream(t *testing.T) {
	store := openStore(t)
	srv := startNATS(t, t.TempDir(), -1)
	js := jetStream(t, srv.ClientURL())
	r := startRelay(t, store, js)
	customers(t, store, 5)
	waitFor(t, "relay", func() bool { return r.Status().Published == 10 })
	stream, err := js.Stream(context.Background(), relay.DefaultStreamName)
	if err != nil {
		t.Fatal(err)
	}
	if err := stream.DeleteMsg(context.Background(), 4); err != nil {
		t.Fatal(err)
	}
	f, _ := feed.NewJetStream(js, relay.DefaultStreamName, "gappy", quiet)
	reader := runModel(t, filepath.Join(t.TempDir(), "reader.db"), f)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = reader.runner.WaitFor(ctx, 10)
	var gap *projections.GapError
	if !errors.As(err, &gap) || gap.Checkpoint != 3 || gap.Position != 5 {
		t.Fatalf("WaitFor: %v, want a gap after 3", err)
	}
	if reader.runner.Position() != 3 {
		t.Fatalf("position %d, want 3", reader.runner.Position())
	}
	if err := reader.stop(); !errors.As(err, &gap) {
		t.Fatalf("Run returned %v, want the gap", err)
	}
}
