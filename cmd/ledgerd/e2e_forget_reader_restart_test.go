package main

import (
	"net/http"
	"testing"

	"github.com/nordledger/ledger/domain"
)

// TestE2EReaderRestartKeepsTheForget: a reader replica that applied a customer's
// CustomerForgotten from the stream while the key bus still held the customer's key — the
// writer's tombstone not published yet: the writer killed between the forget's event and its
// key's destruction, a forget answered 503 because the key store could not be written, or the
// key publisher behind the relay — answers the customer as forgotten (it evicted the key). Killed
// and started again on its data directory, it must go on doing so: its checkpoint is past the
// forget, so the forget is not applied again, and the key bus hands it the live key. Its audit
// trail and time travel must not open the customer's personal data.
//
// The key bus is held back deterministically by sealing its stream (the writer's publisher
// then cannot put the tombstone), so the reader meets the forget before the tombstone.
func TestE2EReaderRestartKeepsTheForget(t *testing.T) {
	s := startServer(t)
	tok := s.token
	const no = "7710"
	values := []string{"Ingrid Restartsson", "Omstartsgatan 12", "ingrid.restart@example.org"}
	c := newCustomer(no, values[0])
	c["emailAddress"] = values[2]
	c["legalAddress"].(map[string]any)["streetAddress"] = values[1]
	s.createCustomer(t, tok, c)

	reader, dir := startReaderOf(t, s)
	await(t, "the reader to hold the customer", func() (*response, bool) {
		got := reader.do(t, http.MethodGet, customersPath(demoLedger, no), tok, nil)
		return got, got.Status == http.StatusOK
	})
	keyBusEntry(t, s.m.NATSURL(), domain.StreamName(demoLedger, no)) // the reader can open it

	// Hold the key bus: its stream takes nothing more.
	js, closeJS := jetStreamAt(t, s.m.NATSURL())
	defer closeJS()
	ctx, cancel := waitContext(t)
	defer cancel()
	kv, err := js.Stream(ctx, "KV_LEDGER_KEYS")
	if err != nil {
		t.Fatal(err)
	}
	cfg := kv.CachedInfo().Config
	cfg.Sealed = true
	if _, err := js.UpdateStream(ctx, cfg); err != nil {
		t.Fatal(err)
	}

	expectStatus(t, s.do(t, http.MethodPost, customersPath(demoLedger, no, "forget"), tok, nil), http.StatusNoContent)
	await(t, "the reader to forget the customer", func() (*response, bool) {
		got := reader.do(t, http.MethodGet, customersPath(demoLedger, no), tok, nil)
		return got, got.Status == http.StatusGone
	})
	check := func(when string, r *testServer) {
		t.Helper()
		for _, path := range []string{customersPath(demoLedger, no, "events"), "/ledger/customer/v1/1000/events?limit=1000"} {
			if found := valuesIn(r.do(t, http.MethodGet, path, tok, nil).Body, values); len(found) > 0 {
				t.Errorf("%s: the reader's %s shows the forgotten customer's %q", when, path, found)
			}
		}
		if got := r.do(t, http.MethodGet, customersPath(demoLedger, no)+"?asOfVersion=1", tok, nil); got.Status != http.StatusGone {
			t.Errorf("%s: the reader's time travel to version 1 answers %d, want 410: %s", when, got.Status, got.Body)
		}
	}
	check("before its restart", reader)

	reader.m.Close()
	reader.running = false
	again := startReaderIn(t, s, dir)
	assertProblem(t, again.do(t, http.MethodGet, customersPath(demoLedger, no), tok, nil), http.StatusGone, "customer-forgotten")
	check("after its restart", again)
}
