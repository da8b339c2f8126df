package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/eventstore/personal"
	"github.com/nordledger/ledger/internal/app"
	"github.com/nordledger/ledger/internal/datadir"
)

// noDestroy stands for a key store the process died before it reached: Destroy destroys
// nothing (Forget then answers ErrKeyNotDestroyed, which the killed process never sent).
type noDestroy struct{}

func (noDestroy) Destroy(context.Context, ...string) error { return context.Canceled }

// forgetCutShort leaves in the data directory dir of a stopped ledgerd what a SIGKILL between a
// forget's two durable steps leaves: CustomerForgotten in the log (with its national-identifier
// reservation released), the data key not destroyed, the read models and the relay not told.
// It returns the customer's wrapped key.
func forgetCutShort(t *testing.T, dir, customerNo string) []byte {
	t.Helper()
	d := datadir.Dir{Path: dir}
	ring, _, err := d.MasterKeys(false)
	if err != nil {
		t.Fatal(err)
	}
	resKey, _, err := datadir.EnsureSecret(d.KeyFilePath())
	if err != nil {
		t.Fatal(err)
	}
	keys, err := personal.OpenStore(d.KeyStorePath(), ring, personal.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer keys.Close()
	store, err := eventstore.Open(d.File(datadir.Events), eventstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	h, err := app.New(store, app.Config{ReservationKey: resKey, Protector: personal.NewProtector(keys), Keys: noDestroy{}})
	if err != nil {
		t.Fatal(err)
	}
	policy, _ := DefaultLedgers().policies().Ledger(demoLedger)
	res, err := h.Forget(context.Background(), policy, customerNo, app.Meta{Actor: "dpo", CorrelationID: uuid.NewString(), Time: time.Now()})
	if !res.Changed || res.Version == 0 {
		t.Fatalf("the forget was not stored: %+v %v", res, err)
	}
	rec, _, err := keys.Record(domain.StreamName(demoLedger, customerNo))
	if err != nil || rec.Destroyed || len(rec.Wrapped) == 0 {
		t.Fatalf("the key before the restart: %+v %v; want it live", rec, err)
	}
	return rec.Wrapped
}

// TestE2EForgetCutShortByACrash: ledgerd killed with SIGKILL after a forget's CustomerForgotten
// was stored and before its key was destroyed (and before the read models or the relay saw it)
// finishes the forget when it starts again, before it serves: the customer is 410 everywhere,
// its history is erased, the Connect look-up and find-customer find nothing, the key store, the
// NATS store and the key bus hold no copy of its key; the forget sent again answers 410; the
// national identifier is free for a new customer, the customer number is not.
func TestE2EForgetCutShortByACrash(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the binary")
	}
	bin := buildLedgerd(t)
	dir := t.TempDir()
	const secret = "forget-crash-secret-0123456789abcdef0123"
	args := []string{"-jwt-secret", secret}
	tok := mintWith(t, secret, "dpo")
	run := startBinary(t, bin, dir, args...)
	s := &testServer{base: run.base, client: &http.Client{Timeout: 30 * time.Second}}
	defer s.client.CloseIdleConnections()

	const no = "7720"
	values := []string{"Krister Kraschsson", "Kraschgatan 4", "krister.krasch@example.org", tolvan, "191212121212"}
	c := newCustomer(no, values[0])
	c["emailAddress"] = values[2]
	c["nationalIdentifier"] = map[string]any{"regNo": tolvan, "countryCode": "SE"}
	c["legalAddress"].(map[string]any)["streetAddress"] = values[1]
	s.createCustomer(t, tok, c)
	run.kill(t)

	wrapped := forgetCutShort(t, dir, no)

	run = startBinary(t, bin, dir, args...)
	s.base = run.base
	for _, path := range []string{"", "/legal-address", "?asOfVersion=1"} {
		assertProblem(t, s.do(t, http.MethodGet, customersPath(demoLedger, no)+path, tok, nil), http.StatusGone, "customer-forgotten")
	}
	for _, path := range []string{customersPath(demoLedger, no, "events"), "/ledger/customer/v1/1000/events?limit=1000"} {
		r := s.do(t, http.MethodGet, path, tok, nil)
		expectStatus(t, r, http.StatusOK)
		if found := valuesIn(r.Body, values); len(found) > 0 {
			t.Errorf("%s shows the forgotten customer's %q", path, found)
		}
	}
	assertProblem(t, s.do(t, http.MethodPost, "/ledger/customer/v1/1000/find-customer", tok,
		map[string]any{"nationalIdentifier": map[string]any{"regNo": tolvan, "countryCode": "SE"}}), http.StatusNotFound, "customer-not-found")
	if r := newConnectClient(s).post(t, connectPath("1000", "9000"), tok, lookupBody("SE", tolvan)); r.Status == http.StatusOK || len(valuesIn(r.Body, values)) > 0 {
		t.Errorf("the Connect look-up after the restart: %s", r)
	}
	assertProblem(t, s.do(t, http.MethodPost, customersPath(demoLedger, no, "forget"), tok, nil), http.StatusGone, "customer-forgotten")
	// A granted downstream consumer asking for the create's opened data gets it erased.
	s.dir = dir // (its admin socket)
	s.grant(t, "crm-sync", true)
	pd := s.do(t, http.MethodPost, "/ledger/customer/v1/1000/events/personal-data", mintWith(t, secret, "crm-sync"), map[string]any{"positions": []int{1}})
	expectStatus(t, pd, http.StatusOK)
	if found := valuesIn(pd.Body, values); len(found) > 0 || !strings.Contains(string(pd.Body), `"erased"`) {
		t.Errorf("the personal data of the forgotten customer's create, disclosed after the restart: %s", pd.Body)
	}

	// The key bus gets the tombstone; the stream every event once.
	waitFor(t, "the key bus to hold the tombstone", func() bool {
		return keyBusTombstone(t, run.natsURL(t), domain.StreamName(demoLedger, no))
	})
	checkStream(t, run.natsURL(t), writerHead(t, s))

	// The national identifier is free again; the number is not.
	again := newCustomer("7721", "Someone Else")
	again["nationalIdentifier"] = map[string]any{"regNo": tolvan, "countryCode": "SE"}
	expectStatus(t, s.do(t, http.MethodPost, customersPath(demoLedger), tok, again), http.StatusCreated)
	assertProblem(t, s.do(t, http.MethodPost, customersPath(demoLedger), tok, newCustomer(no, "Number Reuse")), http.StatusConflict, "conflict")

	stopBinary(t, run)
	assertBytesNotInFiles(t, dir, wrapped, []byte(base64.StdEncoding.EncodeToString(wrapped)))
	if _, err := personal.OpenStore(filepath.Join(dir, datadir.KeyStore), nil, personal.StoreOptions{ReadOnly: true}); err != nil {
		t.Errorf("the key store after the restart: %v", err)
	}
}

// keyBusTombstone reports whether the key bus holds subject's tombstone.
func keyBusTombstone(t *testing.T, url, subject string) bool {
	t.Helper()
	js, closeJS := jetStreamAt(t, url)
	defer closeJS()
	ctx, cancel := waitContext(t)
	defer cancel()
	kv, err := js.KeyValue(ctx, "LEDGER_KEYS")
	if err != nil {
		return false
	}
	e, err := kv.Get(ctx, "k."+base64.RawURLEncoding.EncodeToString([]byte(subject)))
	var rec struct{ Destroyed bool }
	return err == nil && json.Unmarshal(e.Value(), &rec) == nil && rec.Destroyed
}
