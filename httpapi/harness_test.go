package httpapi_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/eventstore/personal"
	"github.com/nordledger/ledger/eventstore/personal/disclosure"
	"github.com/nordledger/ledger/httpapi"
	"github.com/nordledger/ledger/httpapi/auth"
	"github.com/nordledger/ledger/httpapi/cardverify"
	"github.com/nordledger/ledger/httpapi/popreg"
	"github.com/nordledger/ledger/internal/app"
	"github.com/nordledger/ledger/internal/contracttest"
	"github.com/nordledger/ledger/projections"
)

var testSecret = []byte("test-secret-test-secret-test-secret-0123456789")

type ledgerMap map[string]domain.LedgerPolicy

func (l ledgerMap) Ledger(no string) (domain.LedgerPolicy, bool) { p, ok := l[no]; return p, ok }

// harness is the real API over a real store and read models in a temp dir.
type harness struct {
	t        testing.TB
	api      *httpapi.Server
	srv      *httptest.Server
	contract *contracttest.Validator
	token    string
}

func newHarness(t testing.TB) *harness { return buildHarness(t, false) }

// buildHarness builds the API over a real store and read models in a temp dir. With full it
// also serves everything ledgerd wires: the audit routes and time travel (every projection),
// the built-in population register, the sandbox card verifier and the disclosure of personal
// data to consumers (the token's subject granted) — for the route fuzzers, so its client is not
// contract-checked. adjust, if any, change the configuration before the API is built.
func buildHarness(t testing.TB, full bool, adjust ...func(*httpapi.Config)) *harness {
	t.Helper()
	dir := t.TempDir()
	// Personal data sealed as ledgerd does (docs/data-protection.md), so forget works too.
	ring, err := personal.ParseMasterKeys("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
	if err != nil {
		t.Fatal(err)
	}
	keys, err := personal.OpenStore(filepath.Join(dir, "keys.db"), ring, personal.StoreOptions{DeferCreates: true})
	if err != nil {
		t.Fatal(err)
	}
	pd := personal.NewProtector(keys)
	pdb, err := projections.OpenDB(filepath.Join(dir, "projections.db"))
	if err != nil {
		t.Fatal(err)
	}
	set := projections.NewSet(pdb, func(ledgerNo string, ni domain.NationalIdentifier) string {
		return app.NationalIDKey(testSecret, ledgerNo, ni)
	}).Protect(pd)
	running := []projections.Projection{set.Customers}
	if full {
		running = set.All()
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	runner, _ := projections.NewRunner(pdb, log, running...)
	// The writer's commit pipeline, as ledgerd wires it.
	store, err := eventstore.Open(filepath.Join(dir, "events.db"), eventstore.Options{Prepare: keys.CommitPending, Applier: runner})
	if err != nil {
		t.Fatal(err)
	}
	handler, err := app.New(store, app.Config{ReservationKey: testSecret, Protector: pd, Keys: keys, Snapshots: set.Customers})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	verifier, err := auth.NewVerifier(ctx, auth.Config{HS256Secret: testSecret})
	if err != nil {
		t.Fatal(err)
	}
	cfg := httpapi.Config{
		Ledgers:  ledgerMap{"1000": {LedgerNo: "1000", CountryCode: "SE", Kyc: testKyc(t)}},
		Commands: handler, Customers: set.Customers, Waiter: runner, Verifier: verifier, Logger: log,
		Merchants: map[string]httpapi.ConnectMerchant{"1000": {LedgerNo: "1000", Products: map[string]httpapi.ConnectProduct{
			"9000": {Countries: map[string][]string{"SE": {httpapi.LookupKeyFiscalNumber}}}}}},
		Lookups: handler,
	}
	if full {
		sandbox, err := cardverify.NewSandbox(cardverify.SandboxConfig{BaseURL: "http://127.0.0.1:1", Key: testSecret})
		if err != nil {
			t.Fatal(err)
		}
		cfg.Audit, cfg.PopulationRegister = auditAdapter{set.Audit}, popreg.Default()
		cfg.CardVerifier, cfg.CardRegistrations = sandbox, set.Customers
		disclosures, err := disclosure.Open(filepath.Join(dir, "disclosures.db"), disclosure.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { disclosures.Close() })
		if _, err := disclosures.Grant("1000", "tester", "harness", "", time.Now()); err != nil {
			t.Fatal(err)
		}
		if cfg.PersonalData, err = disclosure.NewService(disclosure.Config{Store: disclosures, Log: store, Opener: pd}); err != nil {
			t.Fatal(err)
		}
	}
	for _, a := range adjust {
		a(&cfg)
	}
	api, err := httpapi.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api)
	var contract *contracttest.Validator
	if !full { // the route fuzzers' exchanges are not contract-checked: their input is hostile on purpose
		contract = contracttest.Client(t, srv.Client()) // every exchange is checked against the OpenAPI document
	}
	t.Cleanup(func() {
		srv.Close()
		cancel()
		verifier.Close()
		store.Close()
		pdb.Close()
		keys.Close()
	})
	tok, err := auth.MintHS256(testSecret, auth.Claims{Subject: "tester", Ledgers: []string{"1000"}, Scopes: auth.AllScopes, TTL: 24 * time.Hour}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return &harness{t: t, api: api, srv: srv, token: tok, contract: contract}
}

// do sends a request and returns the status and body.
func (h *harness) do(method, path, contentType, body string) (int, string) {
	h.t.Helper()
	req, err := http.NewRequest(method, h.srv.URL+path, strings.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+h.token)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := h.srv.Client().Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

const validCustomer = `{"customerNo":"9999","nationalIdentifier":{"regNo":"19121212-1212","countryCode":"SE"},
"name":"Tolvan Tolvansson","legalAddress":{"addressee":"Tolvan Tolvansson","city":"STOCKHOLM","zipCode":"15961","countryCode":"SE"}}`
