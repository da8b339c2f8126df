package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nordledger/ledger/eventstore/relay"
	"github.com/nordledger/ledger/internal/datadir"
)

// The writer's log restored from an older backup, as a reader replica sees it once new writes
// have taken the refilled stream past the reader's read models: positions after the backup's
// head now hold other events (other ids). The reader must not serve what its read models hold
// (customers and versions the log no longer has), nor apply the new events on top of them.

// restoreCustomers: created (or changed) before the backup, after it (lost with the restore),
// and after the restore.
const (
	restoreKept    = "6700" // created before the backup, changed after it (version 2 is lost)
	restoreLost    = "6701" // created after the backup: the restored log does not have it
	restoreAfterA  = "6710" // created after the restore, at the positions 6700's change and
	restoreAfterB  = "6711" // 6701's creation held in the reader's read models
	restoreAfterC  = "6712" // and one more: the stream ends after the reader's checkpoint
	restoreChanged = `{"emailAddress": "changed-after-the-backup@example.org"}`
)

// writeUntilBackup writes position 1 (restoreKept), stops s, and returns a copy of its events.db
// (the backup); s is started again and writes positions 2 and 3 (restoreKept changed,
// restoreLost created), published before it returns.
func writeUntilBackup(t *testing.T, s *testServer) (backup string) {
	t.Helper()
	s.createCustomer(t, s.token, newCustomer(restoreKept, "Kept By The Restore"))
	s.stop(t)
	backup = filepath.Join(t.TempDir(), "events.db")
	copyFile(t, filepath.Join(s.dir, "events.db"), backup)
	s.start(t)
	expectStatus(t, s.do(t, http.MethodPatch, customersPath(demoLedger, restoreKept), s.token, restoreChanged), http.StatusOK)
	s.createCustomer(t, s.token, newCustomer(restoreLost, "Lost With The Restore"))
	awaitReadiness(t, s.client, s.base, s.token, "the relay to publish", published(3))
	return backup
}

// restoreLog puts backup in place of s's events.db (s stopped), as docs/operations.md describes.
func restoreLog(t *testing.T, s *testServer, backup string) {
	t.Helper()
	copyFile(t, backup, filepath.Join(s.dir, "events.db"))
	if err := os.Remove(filepath.Join(s.dir, "events.db.clean")); err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
}

// writeAfterRestore writes positions 2 to 4 of the restored log and waits until they are published.
func writeAfterRestore(t *testing.T, s *testServer) {
	t.Helper()
	for _, no := range []string{restoreAfterA, restoreAfterB, restoreAfterC} {
		s.createCustomer(t, s.token, newCustomer(no, "Written After The Restore"))
	}
	awaitReadiness(t, s.client, s.base, s.token, "the relay to publish the restored log and the new writes", published(4))
}

// expectReaderAsWriter asks writer and reader for every customer of the story and wants the
// same answers, status and body.
func expectReaderAsWriter(t *testing.T, s, r *testServer) {
	t.Helper()
	for _, no := range []string{restoreKept, restoreLost, restoreAfterA, restoreAfterB, restoreAfterC} {
		w := s.do(t, http.MethodGet, customersPath(demoLedger, no), s.token, nil)
		got := r.do(t, http.MethodGet, customersPath(demoLedger, no), s.token, nil)
		if got.Status != w.Status || !bytes.Equal(got.Body, w.Body) {
			t.Errorf("customer %s: the reader answers\n  %s\nthe writer\n  %s", no, got, w)
		}
	}
}

// readerRebuiltLine is the reader's WARN when it finds another event at its checkpoint.
const readerRebuiltLine = "the stream holds another event at the read models' last position"

// TestE2EReaderStartedAfterARestoredLogGrew: a reader stopped for the restore (as
// docs/operations.md asks) is started again on its data directory once writes after the restore
// have taken the stream past its read models. The stream's last sequence no longer tells; the
// event id at the read models' last position does. (Before: ready at once, 6701 answered 200
// with the lost customer, 6700 at version 2, 6710 and 6711 404 — only 6712 applied, on top.)
func TestE2EReaderStartedAfterARestoredLogGrew(t *testing.T) {
	s := startServer(t)
	backup := writeUntilBackup(t, s)
	readerDir := t.TempDir()
	r := startReaderIn(t, s, readerDir)
	waitFor(t, "the reader to show "+restoreLost, func() bool {
		return r.do(t, http.MethodGet, customersPath(demoLedger, restoreLost), s.token, nil).Status == http.StatusOK
	})
	r.stop(t)
	s.stop(t)

	restoreLog(t, s, backup)
	if err := os.RemoveAll(filepath.Join(s.dir, datadir.NATS)); err != nil {
		t.Fatal(err)
	}
	s.start(t)
	defer s.stop(t)
	writeAfterRestore(t, s)

	r = startReaderIn(t, s, readerDir) // waits until it is ready: its read models reach the stream's end
	defer r.stop(t)
	expectReaderAsWriter(t, s, r)
	if !strings.Contains(r.logs.String(), readerRebuiltLine) {
		t.Errorf("the reader did not say why it rebuilds its read models:\n%s", r.logs.String())
	}
}

// TestE2ERunningReaderUnderARestoredLogThatGrew: the same restore while a reader runs (an
// external NATS, whose stream the operator deletes). The reader's consumer goes with the stream;
// when it makes it again the stream already holds new events after its checkpoint. Once it says
// it is ready again it must answer as the writer. (Before: ready at position 4 with 6712 applied
// on top of 6700's lost change and the lost 6701.)
func TestE2ERunningReaderUnderARestoredLogThatGrew(t *testing.T) {
	ns := startExternalNATS(t, t.TempDir(), -1)
	s := startServer(t, withArgs("-nats-url", ns.ClientURL()))
	backup := writeUntilBackup(t, s)
	r, _ := startReaderOf(t, s)
	defer r.stop(t)
	waitFor(t, "the reader to show "+restoreLost, func() bool {
		return r.do(t, http.MethodGet, customersPath(demoLedger, restoreLost), s.token, nil).Status == http.StatusOK
	})
	restoreUnderReader(t, s, ns.ClientURL(), backup)

	// The stream now ends at 4: the reader is ready only once its read models hold position 4.
	awaitReadiness(t, r.client, r.base, s.token, "the reader to be ready again", func(rd readiness) bool {
		return rd.code == http.StatusOK
	})
	expectReaderAsWriter(t, s, r)
	if !strings.Contains(r.logs.String(), readerRebuiltLine) && !strings.Contains(r.logs.String(), "the read models hold positions the stream does not have") {
		t.Errorf("the reader did not say why it rebuilds its read models:\n%s", r.logs.String())
	}
}

// restoreUnderReader restores the writer's log from backup as an operator does under running
// readers (an external NATS at natsURL): the writer stopped, its log replaced, the stream deleted
// (the relay refills it), the writer started again (stopped when the test ends) and written to
// after the restore (writeAfterRestore).
func restoreUnderReader(t *testing.T, s *testServer, natsURL, backup string) {
	t.Helper()
	s.stop(t)
	restoreLog(t, s, backup)
	js, closeJS := jetStreamAt(t, natsURL)
	if err := js.DeleteStream(context.Background(), relay.DefaultStreamName); err != nil {
		t.Fatal(err)
	}
	closeJS()
	s.start(t)
	t.Cleanup(func() { s.stop(t) })
	writeAfterRestore(t, s)
}
