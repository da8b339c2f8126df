package projections_test

import (
	"context"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore/personal"
	"github.com/nordledger/ledger/internal/app"
	"github.com/nordledger/ledger/projections"
)

// evictions is a key source that records the subjects evicted.
type evictions struct {
	*personal.Store
	mu      sync.Mutex
	evicted []string
}

func (e *evictions) Evict(subject string) {
	e.mu.Lock()
	e.evicted = append(e.evicted, subject)
	e.mu.Unlock()
	e.Store.Evict(subject)
}

func (e *evictions) take() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := e.evicted
	e.evicted = nil
	slices.Sort(out)
	return out
}

// TestEvictForgotten: Set.EvictForgotten evicts every customer the read models hold as
// forgotten, in every ledger, and no other (a reader replica runs it on start).
func TestEvictForgotten(t *testing.T) {
	var src *evictions
	w := openSealedWriterWith(t, t.TempDir(), func(s *personal.Store) (personal.KeySource, app.KeyDestroyer) {
		src = &evictions{Store: s}
		return src, s
	})
	if n, err := w.set.EvictForgotten(context.Background()); err != nil || n != 0 {
		t.Fatalf("no customer: %d, %v", n, err)
	}
	other := domain.LedgerPolicy{LedgerNo: "2000", CountryCode: "SE"}
	w.createSealed(t, "1", "19121212-1212")
	w.createSealed(t, "2", "19900101-0017")
	for _, no := range []string{"3", "4"} {
		cmd, err := domain.ParseCreateCustomer(domain.CustomerInput{CustomerNo: domain.Set(no), Name: domain.Set("Other Ledger " + no),
			LegalAddress: domain.Set(domain.AddressInput{Addressee: domain.Set("Other Ledger " + no), City: domain.Set("MALMÖ"),
				ZipCode: domain.Set("21111"), CountryCode: domain.Set("SE")})}, other, meta().Time)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.h.Create(context.Background(), other, cmd, meta()); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []struct {
		p  domain.LedgerPolicy
		no string
	}{{sealedPolicy, "1"}, {other, "4"}} {
		if _, err := w.h.Forget(context.Background(), f.p, f.no, meta()); err != nil {
			t.Fatal(err)
		}
	}
	src.take()
	n, err := w.set.EvictForgotten(context.Background())
	if got, want := src.take(), []string{"1000/customers/1", "2000/customers/4"}; err != nil || n != 2 || !slices.Equal(got, want) {
		t.Errorf("EvictForgotten: %d, %v, evicted %q; want %q", n, err, got, want)
	}
}

// TestAuditAppliesForgetsToTheKeySource: the audit projection applying a CustomerForgotten
// evicts the customer's key, as the customer projection does — so that an audit index rebuilt
// alone (its code version changed) on a reader replica, whose customer projection is past the
// forget and whose key bus may still hand out the key, does not open the forgotten customer's
// events in the audit routes.
func TestAuditAppliesForgetsToTheKeySource(t *testing.T) {
	var src *evictions
	dir := t.TempDir()
	w := openSealedWriterWith(t, dir, func(s *personal.Store) (personal.KeySource, app.KeyDestroyer) {
		src = &evictions{Store: s}
		return src, s
	})
	w.createSealed(t, "1", "19121212-1212")
	w.createSealed(t, "2", "19900101-0017")
	res, err := w.h.Forget(context.Background(), sealedPolicy, "1", meta())
	if err != nil {
		t.Fatal(err)
	}
	src.take()
	db, err := projections.OpenDB(filepath.Join(dir, "audit-only.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	audit := projections.NewAudit(db).Protect(w.pd)
	if err := projections.Rebuild(context.Background(), db, w.store, res.Position, nil, audit); err != nil {
		t.Fatal(err)
	}
	if got, want := src.take(), []string{"1000/customers/1"}; !slices.Equal(got, want) {
		t.Errorf("the audit index rebuilt alone evicted %q; want %q", got, want)
	}
}
