package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/internal/app"
)

// TestE2EOldLogIsRead: ledgerd started on a log written before sealing existed (every personal
// value in the clear) reads it — both forms are read — and seals what it adds. Such a customer
// cannot be forgotten by destroying a key: the forget is refused, saying why; a customer created
// now can be.
func TestE2EOldLogIsRead(t *testing.T) {
	dir := t.TempDir()
	const resKey = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	if err := os.WriteFile(filepath.Join(dir, "reservation.key"), []byte(resKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	store, err := eventstore.Open(filepath.Join(dir, "events.db"), eventstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	old, err := app.New(store, app.Config{ReservationKey: []byte(resKey)}) // the old form: no protector
	if err != nil {
		t.Fatal(err)
	}
	p := domain.LedgerPolicy{LedgerNo: demoLedger, CountryCode: "SE"}
	cmd, err := domain.ParseCreateCustomer(domain.CustomerInput{CustomerNo: domain.Set("5500"), Name: domain.Set("Olle Oldform"),
		NationalIdentifier: domain.Set(domain.NationalIdentifierInput{RegNo: domain.Set(tolvan), CountryCode: domain.Set("SE")}),
		LegalAddress: domain.Set(domain.AddressInput{Addressee: domain.Set("Olle Oldform"), StreetAddress: domain.Set("Gamla vägen 1"),
			City: domain.Set("FORNBY"), ZipCode: domain.Set("55555"), CountryCode: domain.Set("SE")})}, p, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := old.Create(context.Background(), p, cmd, app.Meta{Actor: "legacy", Time: time.Now().Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}
	store.Close()
	if raw := mustRead(t, filepath.Join(dir, "events.db")); !bytes.Contains(raw, []byte("Gamla vägen 1")) {
		t.Fatal("the old form is not in the clear: the test writes the wrong form")
	}

	s := &testServer{dir: dir, logs: &syncBuffer{}, client: &http.Client{Timeout: 30 * time.Second}}
	s.start(t)
	defer s.stop(t)
	got := s.do(t, http.MethodGet, customersPath(demoLedger, "5500")+"?$expand=legaladdress", s.token, nil)
	if got.Status != http.StatusOK || !strings.Contains(string(got.Body), "Gamla vägen 1") || !strings.Contains(string(got.Body), "Olle Oldform") {
		t.Fatalf("old customer: %s", got)
	}
	expectStatus(t, s.do(t, http.MethodPost, "/ledger/customer/v1/1000/find-customer", s.token,
		map[string]any{"nationalIdentifier": map[string]any{"regNo": tolvan, "countryCode": "SE"}}), http.StatusOK)
	expectStatus(t, s.do(t, http.MethodPatch, customersPath(demoLedger, "5500"), s.token, `{"emailAddress":"olle.new@example.org"}`), http.StatusOK)
	p2 := assertProblem(t, s.do(t, http.MethodPost, customersPath(demoLedger, "5500", "forget"), s.token, nil), http.StatusConflict, "conflict")
	if !strings.Contains(p2.Detail, "in the clear") {
		t.Errorf("refusal %q does not say why", p2.Detail)
	}
	s.createCustomer(t, s.token, newCustomer("5501", "Nelly Newform"))
	expectStatus(t, s.do(t, http.MethodPost, customersPath(demoLedger, "5501", "forget"), s.token, nil), http.StatusNoContent)

	// The change made now is sealed: its e-mail is not in the log in the clear.
	s.stop(t)
	if raw := mustRead(t, filepath.Join(dir, "events.db")); bytes.Contains(raw, []byte("olle.new@example.org")) || bytes.Contains(raw, []byte("Nelly Newform")) {
		t.Error("an event written now is in the clear")
	}
	s.start(t)
	if got := s.do(t, http.MethodGet, customersPath(demoLedger, "5500"), s.token, nil); !strings.Contains(string(got.Body), "olle.new@example.org") {
		t.Errorf("after a restart: %s", got)
	}
}

// TestE2ENATSCarriesSealedData: a NATS consumer without the master key — anyone who may read the
// stream — sees every event with its clear members (type, customer number, statuses, amounts)
// but none of the personal ones: they are sealed, and only ledgerd readers holding the master
// key open them.
func TestE2ENATSCarriesSealedData(t *testing.T) {
	s := startServer(t)
	body := newCustomer("5600", "Signe Sealedmsg")
	body["emailAddress"] = "signe.sealed@example.org"
	body["legalEntity"] = "consumer"
	s.createCustomer(t, s.token, body)
	expectStatus(t, s.do(t, http.MethodPost, customersPath(demoLedger, "5600", "billing-address"), s.token, map[string]any{
		"addressee": "Signe Sealedmsg", "streetAddress": "Chiffergatan 4", "city": "KRYPTBY", "zipCode": "44444", "countryCode": "SE"}), http.StatusCreated, http.StatusOK)

	js, closeJS := jetStreamAt(t, s.m.NATSURL())
	defer closeJS()
	ctx, cancel := waitContext(t)
	defer cancel()
	stream := waitStream(ctx, t, js, "LEDGER")
	var payloads [][]byte
	for seq := uint64(1); seq <= 2; seq++ {
		var m *jetstream.RawStreamMsg
		var err error
		for m == nil {
			if m, err = stream.GetMsg(ctx, seq); err != nil {
				if ctx.Err() != nil {
					t.Fatalf("message %d: %v", seq, err)
				}
				m = nil
				time.Sleep(pollInterval)
			}
		}
		payloads = append(payloads, m.Data)
		if !strings.HasSuffix(m.Subject, ".5600."+m.Header.Get("ce-type")[len("ledger.customer.v1."):]) {
			t.Errorf("subject %s", m.Subject)
		}
	}
	for _, p := range payloads {
		if found := valuesIn(p, []string{"Signe", "Sealedmsg", "signe.sealed@example.org", "Storgatan 1", "Chiffergatan 4", "KRYPTBY"}); len(found) > 0 {
			t.Errorf("a NATS message shows %q: %s", found, p)
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(p, &m); err != nil || m["$pd"] == nil {
			t.Errorf("message payload %s: no sealed members (%v)", p, err)
		}
	}
	if !bytes.Contains(payloads[0], []byte(`"customerNo":"5600"`)) || !bytes.Contains(payloads[0], []byte(`"legalEntity":"consumer"`)) {
		t.Errorf("the clear members are missing: %s", payloads[0])
	}
}
