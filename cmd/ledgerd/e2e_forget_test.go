package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/httpapi/auth"
	"github.com/nordledger/ledger/internal/boltcheck"
)

// The customer the erasure test forgets, and every personal value it ever had. Short values that
// may occur anywhere by chance (answer codes such as "yes", clearing number 3300) are left out.
const (
	forgetNo   = "7700"
	forgetName = "Ingegärd Forgetmeé"
)

var forgottenValues = []string{
	forgetName, "Ingegärd", "Forgetmeé",
	tolvan, "191212121212", "SE121212121201", // national identifier, VAT number (a sole trader's)
	"ingegard.forget@example.org", "ingegard.v2@example.org", "ingegard.v3@example.org", "ingegard.v4@example.org", "ingegard.v5@example.org",
	"+46701234599", "+46701234588", "TINFORGET7788", "TINFORGET9911",
	"VANFORGET", "ICRFORGET1", "BUYERFORG1",
	"Glömskegatan 7", "c/o Berg & Son", "GLÖMSTA", "99887",
	"Kassavägen 3", "BILLSTAD", "Nyvägen 9", "NYSTAD", "Andragatan 2", "ANDRASTAD",
	"FTINFORGET42",                                          // a KYC text answer
	"1010101010", "SE4550000000058398257466", "58398257466", // disbursement accounts
}

// keptValues are another customer's, who stays.
var keptValues = []string{"Bertil Keepme", "Behållgatan 5", "KEEPSTAD", "bertil.keep@example.org"}

// forgetConfig: ledger 1000 with KYC (the demo questions and a text sub-question) and no
// retention period, ledger 2000 with a retention period of one year.
func forgetConfig(t *testing.T) string {
	t.Helper()
	kyc := demoKyc()
	kyc.Questions[2].SubQuestions = []domain.KycQuestionConfig{{
		QuestionCode: "foreign_tin", QuestionText: map[string]string{"en": "Your foreign tax identification number"}, AskedWhen: []string{"yes"},
		Answer: domain.KycAnswerConfig{Type: "text", Required: true, TextValidationRegEx: `^[A-Z0-9]{5,20}$`},
	}}
	return writeLedgerFile(t, LedgerFile{Ledgers: []LedgerConfig{
		{LedgerNo: "1000", CountryCode: "SE", Kyc: kyc},
		{LedgerNo: "2000", CountryCode: "SE", RetentionPeriod: "P1Y"},
	}})
}

// richHistory gives customer forgetNo everything personal the API takes, changed many times,
// with surpluses paid out to a bank account and an IBAN and one settled, so that it may be
// forgotten; the refusals on the way are checked.
func richHistory(t *testing.T, s *testServer, tok string) {
	t.Helper()
	self := customersPath(demoLedger, forgetNo)
	expectStatus(t, s.do(t, http.MethodPost, customersPath(demoLedger), tok, map[string]any{
		"customerNo": forgetNo, "nationalIdentifier": map[string]any{"regNo": tolvan, "countryCode": "SE"},
		"vatNo": "SE121212121201", "legalEntity": "consumer", "name": forgetName, "emailAddress": "ingegard.forget@example.org",
		"msisdn": "+46701234599", "taxIdentificationNumber": "TINFORGET7788", "preferredLanguageCode": "sv",
		"eDIAddressInfo": map[string]any{"VAN": "VANFORGET", "InterChangeRecipient": "ICRFORGET1", "BuyerId": "BUYERFORG1"},
		"legalAddress": map[string]any{"addressee": forgetName, "streetAddress": "Glömskegatan 7", "coAddress": "c/o Berg & Son",
			"city": "GLÖMSTA", "zipCode": "99887", "countryCode": "SE"},
	}), http.StatusCreated)
	expectStatus(t, s.do(t, http.MethodPost, self+"/billing-address", tok, map[string]any{
		"addressee": forgetName, "streetAddress": "Kassavägen 3", "city": "BILLSTAD", "zipCode": "11111", "countryCode": "SE"}), http.StatusCreated, http.StatusOK)
	expectStatus(t, s.do(t, http.MethodPut, self+"/billing-address", tok, map[string]any{
		"addressee": forgetName, "streetAddress": "Nyvägen 9", "city": "NYSTAD", "zipCode": "22222", "countryCode": "SE"}), http.StatusOK)
	for _, patch := range []string{
		`{"emailAddress":"ingegard.v2@example.org"}`, `{"emailAddress":"ingegard.v3@example.org","msisdn":"+46701234588"}`,
		`{"emailAddress":"ingegard.v4@example.org","taxIdentificationNumber":"TINFORGET9911"}`, `{"msisdn":null}`,
		`{"emailAddress":"ingegard.v5@example.org","distributionType":"postal"}`,
	} {
		expectStatus(t, s.do(t, http.MethodPatch, self, tok, patch), http.StatusOK)
	}
	expectStatus(t, s.do(t, http.MethodPut, self+"/legal-address", tok, map[string]any{
		"addressee": forgetName, "streetAddress": "Andragatan 2", "city": "ANDRASTAD", "zipCode": "33333", "countryCode": "SE"}), http.StatusOK)
	expectStatus(t, s.do(t, http.MethodPost, self+"/update-kyc-answers", tok, map[string]any{"answers": []any{
		map[string]any{"questionCode": "taxable_outside_sweden", "answerCode": "yes"},
		map[string]any{"questionCode": "foreign_tin", "answerCode": "FTINFORGET42"},
		map[string]any{"questionCode": "multiple_citizenship", "answerCode": "yes"},
		map[string]any{"questionCode": "citizen_ship_country_codes", "answerCode": "SWE"},
		map[string]any{"questionCode": "citizen_ship_country_codes", "answerCode": "NOR"},
	}}), http.StatusNoContent)

	surplus := func(id string) {
		expectStatus(t, s.do(t, http.MethodPost, self+"/surpluses", tok, map[string]any{"surplusId": id, "balance": 10.00, "currency": "SEK",
			"invoice": "/ledger/invoice/v1/1000/invoices/" + id}), http.StatusCreated)
	}
	order := func(id string, destination map[string]any) string {
		r := s.do(t, http.MethodPost, self+"/surpluses/"+id+"/active-disbursement-orders", tok, destination)
		expectStatus(t, r, http.StatusCreated)
		return r.object(t)["orderId"].(string)
	}
	surplus("S1")
	o1 := order("S1", map[string]any{"swedishBankAccount": map[string]any{"clearingNo": "3300", "accountNo": "1010101010"}})
	assertForgetRefused(t, s, tok, demoLedger, forgetNo, "active disbursement order")
	expectStatus(t, s.do(t, http.MethodPost, self+"/surpluses/S1/active-disbursement-orders/"+o1+"/complete", tok, nil), http.StatusNoContent)
	surplus("S2")
	assertForgetRefused(t, s, tok, demoLedger, forgetNo, "not depleted")
	o2 := order("S2", map[string]any{"international": map[string]any{"iban": "SE4550000000058398257466", "bic": "SWEDSESS"}})
	expectStatus(t, s.do(t, http.MethodPost, self+"/surpluses/S2/active-disbursement-orders/"+o2+"/complete", tok, nil), http.StatusNoContent)
	surplus("S3")
	expectStatus(t, s.do(t, http.MethodPost, self+"/surpluses/S3/settle", tok, nil), http.StatusOK, http.StatusNoContent)
	assertForgetRefused(t, s, tok, demoLedger, forgetNo, "not depleted")
	expectStatus(t, s.do(t, http.MethodPost, self+"/surpluses/S3/confirm-regulation", tok, nil), http.StatusOK, http.StatusNoContent)
}

// assertForgetRefused: a forget refused with 409 naming the reason, changing nothing.
func assertForgetRefused(t *testing.T, s *testServer, tok, ledgerNo, no, reason string) {
	t.Helper()
	before := s.do(t, http.MethodGet, customersPath(ledgerNo, no), tok, nil)
	p := assertProblem(t, s.do(t, http.MethodPost, customersPath(ledgerNo, no, "forget"), tok, nil), http.StatusConflict, "conflict")
	if !strings.Contains(p.Detail, reason) {
		t.Errorf("forget refused for %q, want the reason %q", p.Detail, reason)
	}
	if after := s.do(t, http.MethodGet, customersPath(ledgerNo, no), tok, nil); after.Header.Get("ETag") != before.Header.Get("ETag") {
		t.Error("a refused forget changed the customer")
	}
}

// TestE2EForgetLeavesNoTrace: a customer with a rich history is forgotten. Afterwards no byte of
// its personal data is anywhere in the writer's or a reader's data directory — log, key store,
// read models and their indexes, the embedded NATS store (stream and key bus) — in the clear or
// JSON-escaped, nor is the wrapping of its data key; the audit API shows its events' types,
// times and actors with the personal members erased; another customer is intact; forgetting
// too early is refused.
func TestE2EForgetLeavesNoTrace(t *testing.T) {
	s := startServer(t, withConfig(forgetConfig(t)))
	tok := s.token
	richHistory(t, s, tok)
	b := newCustomer("7800", "Bertil Keepme")
	b["emailAddress"] = "bertil.keep@example.org"
	b["nationalIdentifier"] = map[string]any{"regNo": unregisteredPersonnummer, "countryCode": "SE"}
	b["legalAddress"].(map[string]any)["streetAddress"] = "Behållgatan 5"
	b["legalAddress"].(map[string]any)["city"] = "KEEPSTAD"
	s.createCustomer(t, tok, b)
	keptBefore := s.do(t, http.MethodGet, customersPath(demoLedger, "7800")+"?$expand=legaladdress", tok, nil)

	// Too early in a ledger with a retention period; without the scope; on a reader below.
	expectStatus(t, s.do(t, http.MethodPost, customersPath("2000"), tok, newCustomer("7900", "Early Bird")), http.StatusCreated)
	assertForgetRefused(t, s, tok, "2000", "7900", "retention period (P1Y)")
	noErase := s.mint(t, "clerk", []string{"*"}, auth.ScopeCustomerRead, auth.ScopeCustomerWrite)
	assertProblem(t, s.do(t, http.MethodPost, customersPath(demoLedger, forgetNo, "forget"), noErase, nil), http.StatusForbidden, "forbidden")
	assertProblem(t, s.do(t, http.MethodPost, customersPath(demoLedger, "1234", "forget"), tok, nil), http.StatusNotFound, "customer-not-found")

	// A reader replica, caught up with the customer.
	reader, readerDir := startReaderOf(t, s)
	await(t, "the reader to hold the customer", func() (*response, bool) {
		got := reader.do(t, http.MethodGet, customersPath(demoLedger, forgetNo), tok, nil)
		return got, got.Status == http.StatusOK
	})
	wrapped := keyBusEntry(t, s.m.NATSURL(), domain.StreamName(demoLedger, forgetNo))

	// Forget.
	dpo := s.mint(t, "dpo@example.se", []string{demoLedger}, auth.ScopeCustomerErase, auth.ScopeCustomerRead, auth.ScopeAuditRead)
	expectStatus(t, s.do(t, http.MethodPost, customersPath(demoLedger, forgetNo, "forget"), dpo, nil), http.StatusNoContent)
	assertProblem(t, s.do(t, http.MethodPost, customersPath(demoLedger, forgetNo, "forget"), dpo, nil), http.StatusGone, "customer-forgotten")
	for _, path := range []string{"", "/legal-address", "/billing-address", "/surpluses", "?asOfVersion=1"} {
		assertProblem(t, s.do(t, http.MethodGet, customersPath(demoLedger, forgetNo)+path, tok, nil), http.StatusGone, "customer-forgotten")
	}
	assertProblem(t, s.do(t, http.MethodPatch, customersPath(demoLedger, forgetNo), tok, `{"emailAddress":"x@example.org"}`), http.StatusGone, "customer-forgotten")
	assertProblem(t, s.do(t, http.MethodPost, "/ledger/customer/v1/1000/find-customer", tok,
		map[string]any{"nationalIdentifier": map[string]any{"regNo": tolvan, "countryCode": "SE"}}), http.StatusNotFound, "customer-not-found")

	// The audit trail: every event's type, time and actor, its personal members erased.
	trail := s.do(t, http.MethodGet, customersPath(demoLedger, forgetNo, "events")+"?limit=1000", dpo, nil)
	expectStatus(t, trail, http.StatusOK)
	var items struct {
		Items []struct {
			Type   string          `json:"type"`
			Time   string          `json:"time"`
			Actor  string          `json:"actor"`
			Data   json.RawMessage `json:"data"`
			Erased []string        `json:"erased"`
		} `json:"items"`
	}
	if err := json.Unmarshal(trail.Body, &items); err != nil {
		t.Fatal(err)
	}
	erased := 0
	for _, it := range items.Items {
		if it.Type == "" || it.Time == "" || it.Actor == "" {
			t.Errorf("audit item without type, time or actor: %+v", it)
		}
		if len(it.Erased) > 0 {
			erased++
		}
	}
	if n := len(items.Items); n < 20 || items.Items[n-1].Type != domain.TypeCustomerForgotten || items.Items[0].Type != domain.TypeCustomerCreated || erased != 11 {
		t.Fatalf("trail of %d events, %d erased: %s", n, erased, trail.Body)
	}
	ledgerTrail := s.do(t, http.MethodGet, "/ledger/customer/v1/1000/events?limit=1000", dpo, nil)
	for _, r := range []*response{trail, ledgerTrail} {
		if found := valuesIn(r.Body, forgottenValues); len(found) > 0 {
			t.Errorf("%s shows the forgotten customer's %q", r.Path, found)
		}
	}
	if found := valuesIn(ledgerTrail.Body, keptValues); len(found) != len(keptValues) {
		t.Errorf("the ledger's trail lacks the other customer's values: found only %q", found)
	}
	// The reader processes the forget too.
	await(t, "the reader to forget the customer", func() (*response, bool) {
		got := reader.do(t, http.MethodGet, customersPath(demoLedger, forgetNo), tok, nil)
		return got, got.Status == http.StatusGone
	})
	waitFor(t, "the reader's trail to equal the writer's", func() bool {
		return bytes.Equal(reader.do(t, http.MethodGet, "/ledger/customer/v1/1000/events?limit=1000", dpo, nil).Body, ledgerTrail.Body)
	})

	// Nothing of the customer is left in any file. (What may be left in the writer's freed bbolt
	// pages is the keyed hash its national-identifier reservation was stored under, until the
	// page is reused or the file compacted: see docs/data-protection.md and TestCompact.)
	reader.m.Close()
	reader.running = false
	s.stop(t)
	for _, dir := range []string{s.dir, readerDir} {
		// The scan finds what is there in the clear: the customer's stream, its events' types.
		if !inSomeFile(t, dir, "1000/customers/"+forgetNo) || !inSomeFile(t, dir, "KycAnswersUpdated") {
			t.Errorf("the scan of %s does not find what is in the clear", dir)
		}
		assertNotInFiles(t, dir, forgottenValues...)
		assertBytesNotInFiles(t, dir, wrapped, []byte(base64.StdEncoding.EncodeToString(wrapped)))
	}

	// After a restart: still forgotten; the other customer intact; the national identifier is
	// free again, the customer number is not.
	s.start(t)
	assertProblem(t, s.do(t, http.MethodGet, customersPath(demoLedger, forgetNo), tok, nil), http.StatusGone, "customer-forgotten")
	if kept := s.do(t, http.MethodGet, customersPath(demoLedger, "7800")+"?$expand=legaladdress", s.token, nil); kept.Status != http.StatusOK || !bytes.Equal(kept.Body, keptBefore.Body) {
		t.Errorf("the other customer changed:\n%s\nwas\n%s", kept, keptBefore)
	}
	again := newCustomer("7701", "Someone New")
	again["nationalIdentifier"] = map[string]any{"regNo": tolvan, "countryCode": "SE"}
	expectStatus(t, s.do(t, http.MethodPost, customersPath(demoLedger), s.token, again), http.StatusCreated)
	assertProblem(t, s.do(t, http.MethodPost, customersPath(demoLedger), s.token, newCustomer(forgetNo, "Number Reuse")), http.StatusConflict, "conflict")
}

// startReaderOf runs a reader replica of writer s, fed from its embedded NATS.
func startReaderOf(t *testing.T, s *testServer) (*testServer, string) {
	t.Helper()
	dir := t.TempDir()
	return startReaderIn(t, s, dir), dir
}

// startReaderIn runs a reader replica of writer s on the data directory dir (a reader started
// again: its read models and checkpoint are the previous run's), with more flags if given.
func startReaderIn(t *testing.T, s *testServer, dir string, more ...string) *testServer {
	t.Helper()
	m := NewMain()
	args := append([]string{"-role", "reader", "-http-addr", "127.0.0.1:0", "-data-dir", dir, "-nats-url", s.m.NATSURL(),
		"-key-file", filepath.Join(s.dir, "reservation.key"), "-master-key-file", filepath.Join(s.dir, "master.key"),
		"-jwt-secret", string(s.secret(t)), "-config", s.configFile}, more...)
	if err := m.ParseFlags(args, func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	m.Stdout, m.LogOutput = io.Discard, logs
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	r := &testServer{m: m, running: true, base: "http://" + m.Addr(), client: s.client, logs: logs}
	t.Cleanup(func() {
		if r.running {
			m.Close()
		}
		if errs := errorLines(logs.String()); errs != "" {
			t.Errorf("the reader logged errors:\n%s", errs)
		}
	})
	waitReady(t, r.client, r.base)
	return r
}

// keyBusEntry returns the wrapped data key of a customer as the key bus holds it.
func keyBusEntry(t *testing.T, url, subject string) []byte {
	t.Helper()
	js, closeJS := jetStreamAt(t, url)
	defer closeJS()
	ctx, cancel := waitContext(t)
	defer cancel()
	kv, err := js.KeyValue(ctx, "LEDGER_KEYS")
	if err != nil {
		t.Fatal(err)
	}
	var e struct{ Wrapped []byte }
	for {
		entry, err := kv.Get(ctx, "k."+base64.RawURLEncoding.EncodeToString([]byte(subject)))
		if err == nil {
			if err := json.Unmarshal(entry.Value(), &e); err != nil || len(e.Wrapped) == 0 {
				t.Fatalf("key-bus entry %s: %v", entry.Value(), err)
			}
			return e.Wrapped
		}
		if ctx.Err() != nil {
			t.Fatalf("no key-bus entry for %s: %v", subject, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// encodings returns a value as it may be stored: as is, and JSON-escaped when that differs.
func encodings(v string) [][]byte {
	out := [][]byte{[]byte(v)}
	if j, _ := json.Marshal(v); string(j[1:len(j)-1]) != v {
		out = append(out, j[1:len(j)-1])
	}
	return out
}

// valuesIn returns the values found in b, in any of their encodings.
func valuesIn(b []byte, values []string) []string {
	var found []string
	for _, v := range values {
		for _, enc := range encodings(v) {
			if bytes.Contains(b, enc) {
				found = append(found, v)
				break
			}
		}
	}
	return found
}

// cleanMarker is the whole content of a clean-close marker (internal/boltcheck, <file>.clean).
var cleanMarker = regexp.MustCompile(`\Abbolt-clean-close v1 size=\d+ mtime=-?\d+ dev=\d+ ino=\d+\n\z`)

// assertNotInFiles fails for every file under dir holding one of the values.
func assertNotInFiles(t *testing.T, dir string, values ...string) {
	t.Helper()
	var scanned int
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Type()&fs.ModeSocket != 0 {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("%s: %v", path, err)
			return nil
		}
		scanned += len(b)
		if cleanMarker.Match(b) {
			return nil // numbers only (a clean close's size, mtime in ns, device, inode): a zip code may turn up in them by chance
		}
		if found := valuesIn(b, values); len(found) > 0 {
			t.Errorf("%s holds %q", path, found)
		}
		return nil
	})
	if scanned == 0 {
		t.Errorf("nothing scanned in %s", dir)
	}
}

// inSomeFile reports whether a file under dir holds value.
func inSomeFile(t *testing.T, dir, value string) bool {
	t.Helper()
	found := false
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Type()&fs.ModeSocket != 0 {
			return err
		}
		b, _ := os.ReadFile(path)
		found = found || bytes.Contains(b, []byte(value))
		return nil
	})
	return found
}

func assertBytesNotInFiles(t *testing.T, dir string, needles ...[]byte) {
	t.Helper()
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Type()&fs.ModeSocket != 0 {
			return err
		}
		b, _ := os.ReadFile(path)
		for _, n := range needles {
			if bytes.Contains(b, n) {
				t.Errorf("%s holds the forgotten customer's wrapped data key", path)
			}
		}
		return nil
	})
}

// TestCleanMarkerPattern: cleanMarker matches the markers boltcheck writes (else the scan of
// assertNotInFiles would read them as any file, and a zip code could match their numbers).
func TestCleanMarkerPattern(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	if err := os.WriteFile(path, []byte("data"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := boltcheck.MarkClean(path); err != nil {
		t.Fatal(err)
	}
	if b := mustRead(t, path+".clean"); !cleanMarker.Match(b) {
		t.Errorf("the clean marker %q does not match %v", b, cleanMarker)
	}
}
