package personal_test

import (
	"bytes"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"
	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/eventstore/personal"
)

// TestDeferredCreates: with DeferCreates a new subject's key is usable at once, the same key for
// every caller until it is committed, and written only by CommitPending — after which it opens
// what it sealed from a reopened store. A key never committed is gone after a reopen.
func TestDeferredCreates(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.db")
	s, err := personal.OpenStore(path, ring(t, masterA), personal.StoreOptions{DeferCreates: true})
	if err != nil {
		t.Fatal(err)
	}
	p := personal.NewProtector(s)
	data := []byte(`{"address":{"addressee":"Kalle Axelstopp","city":"STOCKHOLM","zipCode":"16872","countryCode":"SE"},"source":"api"}`)
	id := uuid.New()
	sealed, err := p.SealEvent(ctx, stream, id, domain.TypeLegalAddressReplaced, data)
	if err != nil {
		t.Fatal(err)
	}
	if _, found, _ := s.Record(stream); found {
		t.Fatal("the key is written before CommitPending")
	}
	if pending, _ := s.Pending(10); len(pending) != 0 {
		t.Fatalf("the key bus would publish a key not yet written: %v", pending)
	}
	again, err := s.DataKey(ctx, stream, true)
	first, _ := s.DataKey(ctx, stream, false)
	if err != nil || again != first {
		t.Fatalf("a second DataKey before the commit: %v, %v (another key)", again, err)
	}
	if err := s.CommitPending(); err != nil {
		t.Fatal(err)
	}
	if rec, found, err := s.Record(stream); err != nil || !found || rec.Rev != 1 {
		t.Fatalf("after CommitPending: %+v %v %v", rec, found, err)
	}
	if pending, _ := s.Pending(10); len(pending) != 1 {
		t.Fatalf("the key bus has %d keys to publish, want the new one", len(pending))
	}
	if err := s.CommitPending(); err != nil { // nothing pending: nothing written
		t.Fatal(err)
	}
	// A key made and never committed.
	if _, err := s.DataKey(ctx, "1000/customers/2", true); err != nil {
		t.Fatal(err)
	}
	s.Close()

	s = opensAfterReopen(t, path, ring(t, masterA), id, sealed, data, "a key committed before the restart")
	if _, found, _ := s.Record("1000/customers/2"); found {
		t.Fatal("a key never committed was written")
	}
}

// TestIsSealed agrees with OpenEvent's Opened.Sealed: a top-level $pd member, not the text "$pd"
// anywhere.
func TestIsSealed(t *testing.T) {
	s := openStore(t, filepath.Join(t.TempDir(), "keys.db"), ring(t, masterA))
	p := personal.NewProtector(s)
	sealed, err := p.SealEvent(ctx, stream, uuid.New(), domain.TypeLegalAddressReplaced,
		[]byte(`{"address":{"addressee":"Kalle","city":"STOCKHOLM","zipCode":"16872","countryCode":"SE"},"source":"api"}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		data []byte
		want bool
	}{
		{sealed, true},
		{[]byte(`{"source":"api"}`), false},
		{[]byte(`{"note":"$pd","source":"api"}`), false},
		{[]byte(`{"nested":{"$pd":{"v":1}}}`), false},
		{[]byte(`{ "z": 1, "$pd" : {"v":1,"f":[],"c":""} }`), true},
	} {
		if got := personal.IsSealed(c.data); got != c.want {
			t.Errorf("IsSealed(%s) = %v, want %v", c.data, got, c.want)
		}
		if !bytes.Contains(c.data, []byte(`"$pd"`)) && c.want {
			t.Errorf("case without the marker")
		}
	}
}

// TestDeferredCreateRacingItsCommit: a DataKey that found no record, while another caller's
// pending key for the same subject is committed before it makes its own, uses the committed key:
// it does not make a second key that CommitPending then skips (the subject has a record) while
// every later DataKey is given it from memory — sealing events with a key that is never durable.
func TestDeferredCreateRacingItsCommit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.db")
	s, err := personal.OpenStore(path, ring(t, masterA), personal.StoreOptions{DeferCreates: true})
	if err != nil {
		t.Fatal(err)
	}
	entered, release := make(chan struct{}), make(chan struct{})
	var first atomic.Bool
	defer personal.SetBeforeCreatePending(func(string) {
		if first.CompareAndSwap(false, true) { // the first caller (the racing create) waits there
			close(entered)
			<-release
		}
	})()
	racing := make(chan error, 1)
	go func() { _, err := s.DataKey(ctx, stream, true); racing <- err }()
	<-entered // it found no record
	// The other create: a pending key, committed with its group.
	if _, err := s.DataKey(ctx, stream, true); err != nil {
		t.Fatal(err)
	}
	if err := s.CommitPending(); err != nil {
		t.Fatal(err)
	}
	close(release)
	if err := <-racing; err != nil {
		t.Fatal(err)
	}
	// A later command on the customer seals with the key DataKey gives.
	p := personal.NewProtector(s)
	data := []byte(`{"address":{"addressee":"Kalle Axelstopp","city":"STOCKHOLM","zipCode":"16872","countryCode":"SE"},"source":"api"}`)
	id := uuid.New()
	sealed, err := p.SealEvent(ctx, stream, id, domain.TypeLegalAddressReplaced, data)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CommitPending(); err != nil {
		t.Fatal(err)
	}
	s.Close()
	opensAfterReopen(t, path, ring(t, masterA), id, sealed, data, "an event sealed after the race, with the durable key")
}

// TestRotateRewrapsPendingKeys: a key made (DeferCreates) before a rotation and committed after it
// is wrapped by the new current master key, as Rotate promises of every key: once Rotate returned
// the old master key can be removed, and the events sealed with the key still open.
func TestRotateRewrapsPendingKeys(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.db")
	s, err := personal.OpenStore(path, ring(t, masterA), personal.StoreOptions{DeferCreates: true})
	if err != nil {
		t.Fatal(err)
	}
	p := personal.NewProtector(s)
	data := []byte(`{"address":{"addressee":"Kalle Axelstopp","city":"STOCKHOLM","zipCode":"16872","countryCode":"SE"},"source":"api"}`)
	id := uuid.New()
	sealed, err := p.SealEvent(ctx, stream, id, domain.TypeLegalAddressReplaced, data) // a create on its way to the log
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Rotate(ctx, ring(t, masterB, masterA)); err != nil {
		t.Fatal(err)
	}
	if err := s.CommitPending(); err != nil { // the create's group
		t.Fatal(err)
	}
	if rec, _, err := s.Record(stream); err != nil || rec.Master != ring(t, masterB).Current() {
		t.Errorf("the key committed after the rotation is wrapped by %q, not the current master key (%v)", rec.Master, err)
	}
	s.Close()
	// The old master key removed.
	opensAfterReopen(t, path, ring(t, masterB), id, sealed, data, "an event sealed before the rotation, with the new master key alone")
}

// opensAfterReopen opens the key store at path again with m (closed at the test's end) and checks
// that the event of stream sealed from data as id opens to data with it: what a restart must
// still read. what names the case.
func opensAfterReopen(t *testing.T, path string, m *personal.MasterKeys, id uuid.UUID, sealed, data []byte, what string) *personal.Store {
	t.Helper()
	s := openStore(t, path, m)
	opened, err := personal.NewProtector(s).OpenEvent(ctx, eventstore.Event{ID: id, Stream: stream, Type: domain.TypeLegalAddressReplaced, Data: sealed})
	if err != nil || !sameJSON(t, opened.Data, data) {
		t.Fatalf("%s: does not open after a reopen: %s %v", what, opened.Data, err)
	}
	return s
}
