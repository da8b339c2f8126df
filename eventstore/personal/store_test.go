package personal_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/eventstore/personal"
	bolt "go.etcd.io/bbolt"
)

func dataKey(t *testing.T, s *personal.Store, subject string, create bool) *personal.DataKey {
	t.Helper()
	k, err := s.DataKey(ctx, subject, create)
	if err != nil {
		t.Fatalf("DataKey(%s): %v", subject, err)
	}
	return k
}

// TestStoreKeepsKeys: keys survive a reopen, wrapped by the master key; without the right master
// key they cannot be unwrapped; a read-only store reads them and changes nothing.
func TestStoreKeepsKeys(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.db")
	s, err := personal.OpenStore(path, ring(t, masterA), personal.StoreOptions{})
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
	if _, err := s.DataKey(ctx, "1000/customers/1", false); !errors.Is(err, personal.ErrNoKey) {
		t.Errorf("no key: %v", err)
	}
	rec, found, err := s.Record(stream)
	if err != nil || !found || rec.Destroyed || rec.Master != ring(t, masterA).Current() || len(rec.Wrapped) != 12+32+16 {
		t.Fatalf("record %+v %v %v", rec, found, err)
	}
	s.Close()

	ro, err := personal.OpenStore(path, ring(t, masterA), personal.StoreOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	opened, err := personal.NewProtector(ro).OpenEvent(ctx, eventstore.Event{ID: id, Stream: stream, Type: domain.TypeLegalAddressReplaced, Data: sealed})
	if err != nil || !sameJSON(t, opened.Data, data) {
		t.Fatalf("opened after reopen: %s %v", opened.Data, err)
	}
	if _, err := ro.DataKey(ctx, "1000/customers/1", true); !errors.Is(err, personal.ErrReadOnly) {
		t.Errorf("read-only create: %v", err)
	}
	if err := ro.Destroy(ctx, stream); !errors.Is(err, personal.ErrReadOnly) {
		t.Errorf("read-only destroy: %v", err)
	}
	ro.Close()

	other, err := personal.OpenStore(path, ring(t, masterB), personal.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := other.DataKey(ctx, stream, false); !errors.Is(err, personal.ErrMasterKey) {
		t.Errorf("another master key: %v", err)
	}
}

func TestStoreRefusesForeignFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "other.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("events")); return err })
	db.Close()
	if _, err := personal.OpenStore(path, ring(t, masterA), personal.StoreOptions{}); err == nil {
		t.Error("opened a foreign bbolt file")
	}
	junk := filepath.Join(dir, "junk.db")
	os.WriteFile(junk, bytes.Repeat([]byte("x"), 8192), 0o600)
	if _, err := personal.OpenStore(junk, ring(t, masterA), personal.StoreOptions{}); err == nil {
		t.Error("opened junk")
	}
	if _, err := personal.OpenStore(filepath.Join(dir, "none.db"), ring(t, masterA), personal.StoreOptions{ReadOnly: true}); err == nil {
		t.Error("read-only created a file")
	}
	s := openStore(t, filepath.Join(dir, "keys.db"), ring(t, masterA))
	_ = s
	if _, err := personal.OpenStore(filepath.Join(dir, "keys.db"), ring(t, masterA), personal.StoreOptions{LockTimeout: 50 * time.Millisecond}); !errors.Is(err, personal.ErrLocked) {
		t.Errorf("second writer: %v", err)
	}
}

// TestDestroyLeavesNothingInTheFile: after Destroy the wrapped key is nowhere in the file (it
// is rewritten), nor in a backup; the others are kept.
func TestDestroyLeavesNothingInTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.db")
	s := openStore(t, path, ring(t, masterA))
	for i := range 50 {
		dataKey(t, s, fmt.Sprintf("1000/customers/%d", i), true)
	}
	gone, _, _ := s.Record("1000/customers/7")
	kept, _, _ := s.Record("1000/customers/8")
	raw, _ := os.ReadFile(path)
	if !bytes.Contains(raw, gone.Wrapped) && !bytes.Contains(raw, []byte(b64(gone.Wrapped))) {
		t.Fatal("the test cannot find the wrapped key in the file before destroying it")
	}
	if err := s.Destroy(ctx, "1000/customers/7"); err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{"file": readFile(t, path), "backup": backup(t, s)} {
		if bytes.Contains(b, gone.Wrapped) || bytes.Contains(b, []byte(b64(gone.Wrapped))) {
			t.Errorf("the destroyed key is still in the %s", name)
		}
		if !bytes.Contains(b, []byte(b64(kept.Wrapped))) {
			t.Errorf("a kept key is missing from the %s", name)
		}
	}
	if _, err := s.DataKey(ctx, "1000/customers/7", true); !errors.Is(err, personal.ErrKeyDestroyed) {
		t.Errorf("destroyed: %v", err)
	}
	dataKey(t, s, "1000/customers/8", false)
	// Destroying a subject that never had a key records the tombstone.
	if err := s.Destroy(ctx, "1000/customers/777"); err != nil {
		t.Fatal(err)
	}
	if rec, found, _ := s.Record("1000/customers/777"); !found || !rec.Destroyed {
		t.Errorf("tombstone %+v %v", rec, found)
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func backup(t *testing.T, s *personal.Store) []byte {
	t.Helper()
	var b bytes.Buffer
	if _, err := s.Backup(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestStoreBackupOpens: a backup is a key store that opens and holds the keys.
func TestStoreBackupOpens(t *testing.T) {
	s := openStore(t, "", ring(t, masterA))
	dataKey(t, s, stream, true)
	path := filepath.Join(t.TempDir(), "restored.db")
	if err := os.WriteFile(path, backup(t, s), 0o600); err != nil {
		t.Fatal(err)
	}
	r := openStore(t, path, ring(t, masterA))
	dataKey(t, r, stream, false)
}

func TestPendingAndPublished(t *testing.T) {
	s := openStore(t, "", ring(t, masterA))
	dataKey(t, s, "1000/customers/1", true)
	dataKey(t, s, "1000/customers/2", true)
	select {
	case <-s.Changed():
	default:
		t.Error("no change signalled")
	}
	pending, err := s.Pending(10)
	if err != nil || len(pending) != 2 || pending[0].Subject != "1000/customers/1" || pending[0].Rev != 1 {
		t.Fatalf("pending %+v %v", pending, err)
	}
	if err := s.Published("1000/customers/1", 1); err != nil {
		t.Fatal(err)
	}
	if err := s.Destroy(ctx, "1000/customers/2"); err != nil {
		t.Fatal(err)
	}
	// An older revision published does not clear a newer one.
	if err := s.Published("1000/customers/2", 1); err != nil {
		t.Fatal(err)
	}
	pending, _ = s.Pending(10)
	if len(pending) != 1 || pending[0].Subject != "1000/customers/2" || !pending[0].Destroyed || pending[0].Rev != 2 || pending[0].Wrapped != nil {
		t.Fatalf("pending after destroy %+v", pending)
	}
}

// TestRotate: every data key is re-wrapped by the new master key while the store is in use, the
// file keeps nothing wrapped by the old one, and the old key can then be dropped.
func TestRotate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.db")
	s := openStore(t, path, ring(t, masterA))
	p := personal.NewProtector(s)
	const n = 1100 // more than one batch
	events := make([]eventstore.Event, n)
	data := []byte(`{"address":{"addressee":"Kalle","city":"X","zipCode":"1","countryCode":"SE"},"source":"api"}`)
	var wg sync.WaitGroup
	for w := range 16 { // concurrent creations share commits
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += 16 {
				e := event(domain.TypeBillingAddressAdded, nil)
				e.Stream = fmt.Sprintf("1000/customers/%d", i+1)
				sealed, err := p.SealEvent(ctx, e.Stream, e.ID, e.Type, data)
				if err != nil {
					t.Error(err)
					return
				}
				e.Data = sealed
				events[i] = e
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	if err := s.Destroy(ctx, "1000/customers/5"); err != nil {
		t.Fatal(err)
	}
	oldWrapped, _, _ := s.Record("1000/customers/9")
	// Without the old key in the ring the rotation would lock the keys out: refused.
	if _, err := s.Rotate(ctx, ring(t, masterB)); err == nil || !strings.Contains(err.Error(), "rotation refused") {
		t.Fatalf("rotation without the old key: %v", err)
	}
	rep, err := s.Rotate(ctx, ring(t, masterB, masterA))
	if err != nil {
		t.Fatal(err)
	}
	want := personal.RotateReport{Current: ring(t, masterB).Current(), Rewrapped: n - 1, Keys: n - 1, Destroyed: 1}
	if rep != want {
		t.Fatalf("report %+v, want %+v", rep, want)
	}
	if bytes.Contains(readFile(t, path), []byte(b64(oldWrapped.Wrapped))) {
		t.Error("a key wrapped by the old master key is still in the file")
	}
	s.Close()
	// Only the new master key now: every event still opens.
	s2 := openStore(t, path, ring(t, masterB))
	p2 := personal.NewProtector(s2)
	for i, e := range events {
		o, err := p2.OpenEvent(ctx, e)
		if i == 4 {
			if err != nil || len(o.Erased) == 0 {
				t.Fatalf("forgotten customer: %+v %v", o, err)
			}
			continue
		}
		if err != nil || !sameJSON(t, o.Data, data) {
			t.Fatalf("event %d after rotation: %s %v", i, o.Data, err)
		}
	}
	// Rotating again to the same key re-wraps nothing.
	if rep, err := s2.Rotate(ctx, ring(t, masterB)); err != nil || rep.Rewrapped != 0 {
		t.Fatalf("second rotation %+v %v", rep, err)
	}
}

// eventAppender returns a function appending one event of a type to a stream of log, which
// returns the event's position.
func eventAppender(t *testing.T, log *eventstore.Store) func(stream, typ string) uint64 {
	return func(stream, typ string) uint64 {
		t.Helper()
		res, err := log.Append(ctx, eventstore.AppendRequest{Stream: stream, Events: []eventstore.EventData{{
			ID: uuid.New(), Type: typ, SchemaVersion: 1, Time: time.Now(), Data: []byte(`{}`)}}})
		if err != nil {
			t.Fatal(err)
		}
		return res.LastPosition
	}
}

// TestReconcile: the forgets the log holds after the last reconciled position destroy their
// keys — a forget cut short, or a key store restored from a backup older than the log.
func TestReconcile(t *testing.T) {
	dir := t.TempDir()
	log, err := eventstore.Open(filepath.Join(dir, "events.db"), eventstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	s := openStore(t, filepath.Join(dir, "keys.db"), ring(t, masterA))
	appendEvent := eventAppender(t, log)
	for _, c := range []string{"1", "2", "3"} {
		dataKey(t, s, "1000/customers/"+c, true)
		appendEvent("1000/customers/"+c, domain.TypeBillingAddressRemoved)
	}
	head := appendEvent("1000/customers/1", domain.TypeCustomerForgotten)
	got, err := s.Reconcile(ctx, log, head)
	if err != nil || len(got) != 1 || got[0] != "1000/customers/1" {
		t.Fatalf("reconcile: %v %v", got, err)
	}
	// A key-store backup taken now, then customer 2 is forgotten (key destroyed as usual).
	saved := backup(t, s)
	head = appendEvent("1000/customers/2", domain.TypeCustomerForgotten)
	if err := s.Destroy(ctx, "1000/customers/2"); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Reconcile(ctx, log, head); err != nil || len(got) != 0 {
		t.Fatalf("nothing left to reconcile: %v %v", got, err)
	}
	s.Close()
	// The old backup is restored: customer 2's key is back until Reconcile runs.
	if err := os.WriteFile(filepath.Join(dir, "keys.db"), saved, 0o600); err != nil {
		t.Fatal(err)
	}
	r := openStore(t, filepath.Join(dir, "keys.db"), ring(t, masterA))
	dataKey(t, r, "1000/customers/2", false)
	if got, err := r.Reconcile(ctx, log, head); err != nil || len(got) != 1 || got[0] != "1000/customers/2" {
		t.Fatalf("reconcile after restore: %v %v", got, err)
	}
	if _, err := r.DataKey(ctx, "1000/customers/2", false); !errors.Is(err, personal.ErrKeyDestroyed) {
		t.Errorf("customer 2 after reconcile: %v", err)
	}
	dataKey(t, r, "1000/customers/3", false)
}

// TestMarkReconciled: a position marked while the writer runs is where the next Reconcile
// starts (the forgets up to it are the caller's word: not read again); the mark never moves back,
// and Reconcile at a start records the head it reached (a restored, shorter log sets it back).
func TestMarkReconciled(t *testing.T) {
	dir := t.TempDir()
	log, err := eventstore.Open(filepath.Join(dir, "events.db"), eventstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	s := openStore(t, filepath.Join(dir, "keys.db"), ring(t, masterA))
	appendEvent := eventAppender(t, log)
	for _, c := range []string{"1", "2"} {
		dataKey(t, s, "1000/customers/"+c, true)
	}
	marked := appendEvent("1000/customers/1", domain.TypeCustomerForgotten)
	if err := s.MarkReconciled(marked); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkReconciled(marked - 1); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Reconciled(); err != nil || got != marked {
		t.Fatalf("reconciled at %d (%v) after marking %d and then %d; want %d (never back)", got, err, marked, marked-1, marked)
	}
	head := appendEvent("1000/customers/2", domain.TypeCustomerForgotten)
	got, err := s.Reconcile(ctx, log, head)
	if err != nil || len(got) != 1 || got[0] != "1000/customers/2" {
		t.Fatalf("reconcile from the mark: %v %v; want only 1000/customers/2 (the event after the mark)", got, err)
	}
	// Customer 1's forget is at the mark: the caller vouched for it, so it is not read again.
	dataKey(t, s, "1000/customers/1", false)
	if got, err := s.Reconciled(); err != nil || got != head {
		t.Fatalf("reconciled at %d (%v) after Reconcile to %d", got, err, head)
	}
	// Reconcile records the head it is given, also below the mark (a restored log).
	if _, err := s.Reconcile(ctx, log, marked-1); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Reconciled(); got != marked-1 {
		t.Fatalf("reconciled at %d after Reconcile to %d", got, marked-1)
	}
	s.Close()
	ro, err := personal.OpenStore(filepath.Join(dir, "keys.db"), ring(t, masterA), personal.StoreOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if err := ro.MarkReconciled(head); !errors.Is(err, personal.ErrReadOnly) {
		t.Fatalf("MarkReconciled on a read-only store: %v; want ErrReadOnly", err)
	}
}

// TestPreload: keys loaded in one go open what DataKey's keys open; subjects without a live key
// are left to DataKey, which reports them as before; a key destroyed after its preload is gone;
// a ring that cannot unwrap the keys fails the preload.
func TestPreload(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.db")
	s, err := personal.OpenStore(path, ring(t, masterA), personal.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	live := []string{"1000/customers/1", "1000/customers/2", "1000/customers/3"}
	want := map[string][]byte{}
	for _, sub := range live {
		if want[sub], err = personal.NewProtector(s).SealState(ctx, sub, []byte(`{"x":1}`)); err == nil {
			t.Fatalf("%s has no key yet, and sealed", sub)
		}
		dataKey(t, s, sub, true)
		if want[sub], err = personal.NewProtector(s).SealState(ctx, sub, []byte(`{"x":1}`)); err != nil {
			t.Fatal(err)
		}
	}
	dataKey(t, s, "1000/customers/4", true)
	if err := s.Destroy(ctx, "1000/customers/4"); err != nil {
		t.Fatal(err)
	}
	s.Close()

	s, err = personal.OpenStore(path, ring(t, masterA), personal.StoreOptions{}) // nothing cached
	if err != nil {
		t.Fatal(err)
	}
	p := personal.NewProtector(s)
	subjects := append([]string{"1000/customers/4", "1000/customers/5", live[1]}, live...)
	if err := p.Preload(ctx, subjects); err != nil {
		t.Fatalf("Preload: %v", err)
	}
	for _, sub := range live {
		got, err := p.SealState(ctx, sub, []byte(`{"x":1}`))
		if err != nil || !bytes.Equal(got, want[sub]) {
			t.Fatalf("%s after Preload: sealed %x (%v), want %x", sub, got, err, want[sub])
		}
	}
	if _, err := s.DataKey(ctx, "1000/customers/4", false); !errors.Is(err, personal.ErrKeyDestroyed) {
		t.Errorf("destroyed key after Preload: %v", err)
	}
	if _, err := s.DataKey(ctx, "1000/customers/5", false); !errors.Is(err, personal.ErrNoKey) {
		t.Errorf("unknown key after Preload: %v", err)
	}
	if err := s.Destroy(ctx, live[0]); err != nil {
		t.Fatal(err)
	}
	if err := p.Preload(ctx, live); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DataKey(ctx, live[0], false); !errors.Is(err, personal.ErrKeyDestroyed) {
		t.Errorf("key destroyed after its Preload: %v", err)
	}

	s.Close()

	other, err := personal.OpenStore(path, ring(t, masterB), personal.StoreOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if err := personal.NewProtector(other).Preload(ctx, live); !errors.Is(err, personal.ErrMasterKey) {
		t.Errorf("Preload with another master key: %v", err)
	}
}

// TestDestroyAgainRewritesNothing: destroying a key destroyed before — a forget sent again —
// changes nothing and does not rewrite the file (a rewrite is the whole key store), while a key
// destroyed for the first time does.
func TestDestroyAgainRewritesNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.db")
	s := openStore(t, path, ring(t, masterA))
	dataKey(t, s, "1000/customers/1", true)
	inode := func() uint64 {
		t.Helper()
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Sys().(*syscall.Stat_t).Ino
	}
	before := inode()
	if err := s.Destroy(ctx, "1000/customers/1"); err != nil {
		t.Fatal(err)
	}
	rewritten := inode()
	if rewritten == before {
		t.Fatal("destroying a key did not rewrite the file")
	}
	if err := s.Destroy(ctx, "1000/customers/1"); err != nil {
		t.Fatal(err)
	}
	if inode() != rewritten {
		t.Error("destroying a key destroyed before rewrote the file")
	}
}

// TestCheckMasterKeys: a ring that lacks the master key of a live data key is refused, by that
// key's id; a tombstone needs no master key.
func TestCheckMasterKeys(t *testing.T) {
	s := openStore(t, "", ring(t, masterA))
	subjects := []string{"1000/customers/1", "1000/customers/2", "1000/customers/3"}
	for _, sub := range subjects {
		dataKey(t, s, sub, true)
	}
	if err := s.Destroy(ctx, subjects[0]); err != nil {
		t.Fatal(err)
	}
	if err := s.CheckMasterKeys(ring(t, masterA)); err != nil {
		t.Fatalf("the ring that wraps every key: %v", err)
	}
	idA := ring(t, masterA).Current()
	if err := s.CheckMasterKeys(ring(t, masterB)); !errors.Is(err, personal.ErrMasterKey) || !strings.Contains(err.Error(), idA) {
		t.Fatalf("a ring without %s: %v", idA, err)
	}
	if err := s.Destroy(ctx, subjects[1:]...); err != nil {
		t.Fatal(err)
	}
	if err := s.CheckMasterKeys(ring(t, masterB)); err != nil {
		t.Fatalf("only tombstones left: %v", err)
	}
}
