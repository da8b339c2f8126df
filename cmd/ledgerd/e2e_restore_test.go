package main

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nordledger/ledger/eventstore/relay"
	"github.com/nordledger/ledger/internal/datadir"
)

// TestE2EReadModelsAheadOfRestoredLog: an older events.db is restored under a newer
// projections.db (and key store). The read models hold customers the log does not have; they
// must not be served as they are, and the writes made after the restore must be readable.
func TestE2EReadModelsAheadOfRestoredLog(t *testing.T) {
	s := startServer(t)
	s.createCustomer(t, s.token, newCustomer("6400", "In Both"))
	s.stop(t)
	old := filepath.Join(t.TempDir(), "events.db")
	copyFile(t, filepath.Join(s.dir, "events.db"), old)
	s.start(t)
	s.createCustomer(t, s.token, newCustomer("6401", "Only In Read Models"))
	s.createCustomer(t, s.token, newCustomer("6402", "Only In Read Models Too"))
	s.stop(t)
	// The restore: the old log, the newer read models and key store stay. The embedded NATS
	// store goes, as with any restore (derived data, docs/operations.md): a stream ahead of the
	// restored log stops the relay, which is another check (the relay's own tests).
	copyFile(t, old, filepath.Join(s.dir, "events.db"))
	os.Remove(filepath.Join(s.dir, "events.db.clean"))
	if err := os.RemoveAll(filepath.Join(s.dir, datadir.NATS)); err != nil {
		t.Fatal(err)
	}
	s.start(t)
	defer s.stop(t)
	// A write after the restore lands at a position the read models believe they hold.
	s.createCustomer(t, s.token, newCustomer("6500", "After The Restore"))
	if got := s.do(t, http.MethodGet, customersPath(demoLedger, "6500"), s.token, nil); got.Status != http.StatusOK {
		t.Errorf("a customer created after the restore: %s, want 200", got)
	}
	if got := s.do(t, http.MethodGet, customersPath(demoLedger, "6401"), s.token, nil); got.Status != http.StatusNotFound {
		t.Errorf("a customer the restored log does not have: %s, want 404", got)
	}
}

// TestE2EReaderAheadOfARestoredLog: the restore of docs/operations.md (an older events.db, the
// embedded NATS store removed) as a reader replica sees it. Its read models hold customers the
// restored log does not have, at positions the refilled stream gives to other events: it must
// not serve them as they are, nor skip the events written after the restore, nor say it is
// ready meanwhile. (It did all three: ready at position 3 of a stream of 2, customer 6401 read
// 200 and 6500 never.)
func TestE2EReaderAheadOfARestoredLog(t *testing.T) {
	s := startServer(t)
	s.createCustomer(t, s.token, newCustomer("6400", "In Both"))
	s.stop(t)
	old := filepath.Join(t.TempDir(), "events.db")
	copyFile(t, filepath.Join(s.dir, "events.db"), old)
	s.start(t)
	s.createCustomer(t, s.token, newCustomer("6401", "Only In Read Models"))
	s.createCustomer(t, s.token, newCustomer("6402", "Only In Read Models Too"))
	awaitReadiness(t, s.client, s.base, s.token, "the relay to publish", published(3))
	readerDir := t.TempDir()
	r := startReaderIn(t, s, readerDir)
	await(t, "the reader to show 6402", func() (*response, bool) {
		got := r.do(t, http.MethodGet, customersPath(demoLedger, "6402"), s.token, nil)
		return got, got.Status == http.StatusOK
	})
	r.stop(t)
	s.stop(t)

	copyFile(t, old, filepath.Join(s.dir, "events.db"))
	os.Remove(filepath.Join(s.dir, "events.db.clean"))
	if err := os.RemoveAll(filepath.Join(s.dir, datadir.NATS)); err != nil {
		t.Fatal(err)
	}
	s.start(t)
	defer s.stop(t)
	s.createCustomer(t, s.token, newCustomer("6500", "After The Restore"))
	awaitReadiness(t, s.client, s.base, s.token, "the relay to refill the stream", published(2))

	r = startReaderIn(t, s, readerDir) // ready: it holds what the stream holds
	defer r.stop(t)
	if got := r.do(t, http.MethodGet, customersPath(demoLedger, "6401"), s.token, nil); got.Status != http.StatusNotFound {
		t.Errorf("the reader, a customer the restored log does not have: %s, want 404", got)
	}
	if got := r.do(t, http.MethodGet, customersPath(demoLedger, "6500"), s.token, nil); got.Status != http.StatusOK {
		t.Errorf("the reader, a customer created after the restore: %s, want 200", got)
	}
	if !strings.Contains(r.logs.String(), "the read models hold positions the stream does not have") {
		t.Errorf("the reader did not say it rebuilds its read models:\n%s", r.logs.String())
	}
}

// TestE2ERunningReaderUnderARefilledStream: the same restore while a reader runs (an external
// NATS, whose stream the operator deletes, docs/operations.md). Its read models hold positions
// the refilled stream does not have: it rebuilds them from the stream when its feed makes its
// consumer again, and says so (it answered 200, "ready", at position 3 of 1; then 503 until
// restarted). TestE2ERunningReaderUnderARestoredLogThatGrew has the stream grown past them.
func TestE2ERunningReaderUnderARefilledStream(t *testing.T) {
	ns := startExternalNATS(t, t.TempDir(), -1)
	s := startServer(t, withArgs("-nats-url", ns.ClientURL()))
	s.createCustomer(t, s.token, newCustomer("6600", "In Both"))
	s.stop(t)
	old := filepath.Join(t.TempDir(), "events.db")
	copyFile(t, filepath.Join(s.dir, "events.db"), old)
	s.start(t)
	s.createCustomer(t, s.token, newCustomer("6601", "Only In Read Models"))
	s.createCustomer(t, s.token, newCustomer("6602", "Only In Read Models Too"))
	awaitReadiness(t, s.client, s.base, s.token, "the relay to publish", published(3))
	r, _ := startReaderOf(t, s)
	defer r.stop(t)
	await(t, "the reader to show 6602", func() (*response, bool) {
		got := r.do(t, http.MethodGet, customersPath(demoLedger, "6602"), s.token, nil)
		return got, got.Status == http.StatusOK
	})
	s.stop(t)

	copyFile(t, old, filepath.Join(s.dir, "events.db"))
	os.Remove(filepath.Join(s.dir, "events.db.clean"))
	js, closeJS := jetStreamAt(t, ns.ClientURL())
	if err := js.DeleteStream(context.Background(), relay.DefaultStreamName); err != nil {
		t.Fatal(err)
	}
	closeJS()
	s.start(t)
	defer s.stop(t)
	awaitReadiness(t, s.client, s.base, s.token, "the relay to refill the stream", published(1))
	waitFor(t, "the reader to rebuild its read models from the stream", func() bool {
		return strings.Contains(r.logs.String(), "the read models hold positions the stream does not have")
	})
	awaitReadiness(t, r.client, r.base, s.token, "the reader to be ready again", func(rd readiness) bool {
		return rd.code == http.StatusOK
	})
	if got := r.do(t, http.MethodGet, customersPath(demoLedger, "6601"), s.token, nil); got.Status != http.StatusNotFound {
		t.Errorf("the reader, a customer the restored log does not have: %s, want 404", got)
	}
	if got := r.do(t, http.MethodGet, customersPath(demoLedger, "6600"), s.token, nil); got.Status != http.StatusOK {
		t.Errorf("the reader, a customer the restored log has: %s, want 200", got)
	}
}
