package main

import (
	"context"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/eventstore/personal"
	"github.com/nordledger/ledger/internal/datadir"
)

// TestE2ECleanStopMarksReconciled: a writer stopped cleanly records its log's head as reconciled
// in the key store, so its next start reads no event of this run again (it read every event
// since the previous start: a year of uptime, a year of events). A forget answered 204 is
// finished; the restarted writer still answers it 410.
func TestE2ECleanStopMarksReconciled(t *testing.T) {
	s := startServer(t)
	tok := s.token
	for _, no := range []string{"7000", "7001"} {
		expectStatus(t, s.createCustomer(t, tok, newCustomer(no, "Marked "+no)), http.StatusCreated)
	}
	expectStatus(t, s.do(t, http.MethodPost, customersPath(demoLedger, "7000", "forget"), tok, nil), http.StatusNoContent)
	expectStatus(t, s.do(t, http.MethodPatch, customersPath(demoLedger, "7001"), tok, `{"emailAddress":"later@example.org"}`), http.StatusOK)
	s.stop(t)

	head, reconciled := logHeadAndReconciled(t, s.dir)
	if head == 0 || reconciled != head {
		t.Fatalf("after a clean stop the key store is reconciled up to %d, the log's head is %d; want the head", reconciled, head)
	}
	s.start(t)
	expectStatus(t, s.do(t, http.MethodGet, customersPath(demoLedger, "7000"), s.token, nil), http.StatusGone)
	expectStatus(t, s.do(t, http.MethodGet, customersPath(demoLedger, "7001"), s.token, nil), http.StatusOK)
}

// logHeadAndReconciled returns a stopped writer's log head and the position its key store is
// reconciled up to.
func logHeadAndReconciled(t *testing.T, dir string) (head, reconciled uint64) {
	t.Helper()
	log, err := eventstore.Open(filepath.Join(dir, datadir.Events), eventstore.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	if head, err = log.Head(context.Background()); err != nil {
		t.Fatal(err)
	}
	keys, err := personal.OpenStore(filepath.Join(dir, datadir.KeyStore), nil, personal.StoreOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer keys.Close()
	if reconciled, err = keys.Reconciled(); err != nil {
		t.Fatal(err)
	}
	return head, reconciled
}
