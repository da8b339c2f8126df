package feed_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/eventstore/feed"
	"github.com/nordledger/ledger/eventstore/relay"
	"github.com/nordledger/ledger/internal/app"
	"github.com/nordledger/ledger/projections"
)

func setNatID(l string, ni domain.NationalIdentifier) string {
	return app.NationalIDKey(key, l, ni)
}

// runSet runs ledgerd's projection set in db, fed by f, until it reaches head, and stops it.
func runSet(t *testing.T, db *projections.DB, f projections.Feed, head uint64) map[string]uint64 {
	t.Helper()
	r, err := projections.NewRunner(db, quiet, projections.NewSet(db, setNatID).All()...)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx, f) }()
	wctx, wcancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer wcancel()
	if err := r.WaitFor(wctx, head); err != nil {
		t.Fatalf("read models did not reach %d: %v", head, err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("runner: %v", err)
	}
	return r.Positions()
}

// equalToRebuild fails unless every projection of the set in db is at head and equals a rebuild
// of the store's log, byte for byte.
func equalToRebuild(t *testing.T, store *eventstore.Store, db *projections.DB, positions map[string]uint64, head uint64) {
	t.Helper()
	fresh, err := projections.OpenDB(filepath.Join(t.TempDir(), "fresh.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	set := projections.NewSet(fresh, setNatID)
	if err := projections.Rebuild(context.Background(), fresh, store, head, nil, set.All()...); err != nil {
		t.Fatal(err)
	}
	for _, p := range set.All() {
		if positions[p.Name()] != head {
			t.Errorf("%s at %d, want %d", p.Name(), positions[p.Name()], head)
		}
		if _, n, err := projections.Compare(db, fresh, p, 10); err != nil || n != 0 {
			t.Errorf("%s differs from a rebuild in %d keys (%v)", p.Name(), n, err)
		}
	}
}

// TestReaderProjectionsAtDifferentCheckpoints: a reader whose customer read model holds half the
// log and whose audit holds none is fed by one JetStream consumer from the start; both catch up
// and equal a rebuild, and do again after a restart with more events in the stream.
func TestReaderProjectionsAtDifferentCheckpoints(t *testing.T) {
	store := openStore(t)
	srv := startNATS(t, t.TempDir(), -1)
	js := jetStream(t, srv.ClientURL())
	rel := startRelay(t, store, js)
	customers(t, store, 10)
	head, _ := store.Head(context.Background())
	waitFor(t, "relay", func() bool { return rel.Status().Published == head })

	path := filepath.Join(t.TempDir(), "reader.db")
	db, err := projections.OpenDB(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { db.Close() }()
	c := projections.NewSet(db, setNatID).Customers
	if err := projections.Rebuild(context.Background(), db, store, head/2, nil, c); err != nil {
		t.Fatal(err)
	}
	f, _ := feed.NewJetStream(js, relay.DefaultStreamName, "reader-set", quiet)
	equalToRebuild(t, store, db, runSet(t, db, f, head), head)

	stream, err := js.Stream(context.Background(), relay.DefaultStreamName)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for name := range stream.ConsumerNames(context.Background()).Name() {
		if strings.HasPrefix(name, "reader-set") {
			names = append(names, name)
		}
	}
	if want := feed.ConsumerName("reader-set", projections.HandlerName); len(names) != 1 || names[0] != want {
		t.Errorf("the reader's consumers are %q, want one: %q", names, want)
	}

	h, err := app.New(store, app.Config{ReservationKey: key})
	if err != nil {
		t.Fatal(err)
	}
	patch, _ := domain.ParsePatchCustomer(domain.PatchInput{EmailAddress: domain.Set("later@example.com")})
	for i := range 10 { // while the reader is down
		if _, err := h.Execute(context.Background(), "1000", fmt.Sprint(100+i), nil, app.Meta{Actor: "t", Time: time.Now()},
			func(c *domain.Customer) ([]domain.Event, error) { return c.Patch(patch) }); err != nil {
			t.Fatal(err)
		}
	}
	head, _ = store.Head(context.Background())
	waitFor(t, "relay", func() bool { return rel.Status().Published == head })
	equalToRebuild(t, store, db, runSet(t, db, f, head), head)
}
