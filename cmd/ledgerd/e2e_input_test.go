package main

// Input handling over HTTP (SPEC §4): property names are case-insensitive on input, output uses
// the document's casing, values are normalised; races on unique keys have one winner; ledgers
// that generate customer numbers.

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestE2EInputNormalisation(t *testing.T) {
	s := startServer(t)
	tok := s.token

	t.Run("case-insensitive-names-and-normalised-values", func(t *testing.T) {
		r := s.do(t, http.MethodPost, customersPath(demoLedger), tok, `{
			"CUSTOMERNO": "5001",
			"NationalIdentifier": {"REGNO": "191212121212", "countrycode": "se"},
			"vatno": "se 1010101010 01",
			"LegalEntity": "Consumer",
			"NAME": "  Åsa Öberg  ",
			"EmailAddress": " asa@example.se ",
			"preferredlanguagecode": "sv",
			"Msisdn": "+46701234567",
			"DistributionType": "NODISTRIBUTION",
			"eDIAddressInfo": {"van": "ABCXYZ", "interChangeRecipient": "Recipient_ID1", "buyerId": "123456"},
			"LegalAddress": {"Addressee": "Åsa Öberg", "StreetAddress": "Storgatan 1", "COADDRESS": "c/o Berg", "City": "Malmö", "ZipCode": " 211 22 ", "CountryCode": "se"},
			"billingaddress": {"addressee": "Åsa", "city": "Lund", "zipcode": "222 22", "countrycode": "Se"}
		}`)
		expectStatus(t, r, http.StatusCreated)
		self := customersPath(demoLedger, "5001")
		got := s.do(t, http.MethodGet, self+"?$expand=legaladdress,billingaddress", tok, nil).object(t)
		assertContainsJSON(t, "customer created with odd casing", map[string]any{
			"customerNo":            "5001",
			"nationalIdentifier":    map[string]any{"regNo": "19121212-1212", "countryCode": "SE"},
			"vatNo":                 "SE101010101001",
			"legalEntity":           "consumer",
			"name":                  "Åsa Öberg",
			"emailAddress":          "asa@example.se",
			"preferredLanguageCode": "SV",
			"msisdn":                "+46701234567",
			"distributionType":      "noDistribution",
			"eDIAddressInfo":        map[string]any{"VAN": "ABCXYZ", "InterChangeRecipient": "Recipient_ID1", "BuyerId": "123456"},
			"legalAddress": map[string]any{"addressee": "Åsa Öberg", "streetAddress": "Storgatan 1", "coAddress": "c/o Berg",
				"city": "Malmö", "zipCode": "21122", "countryCode": "SE"},
			"billingAddress": map[string]any{"addressee": "Åsa", "city": "Lund", "zipCode": "22222", "countryCode": "SE"},
		}, got)
		for _, k := range []string{"van", "buyerId", "interChangeRecipient"} {
			if _, ok := got["eDIAddressInfo"].(map[string]any)[k]; ok {
				t.Errorf("eDIAddressInfo has %q: output must use the document's casing", k)
			}
		}

		// PATCH with odd casing, nested included.
		r = s.do(t, http.MethodPatch, self, tok, `{"EMAILADDRESS": "new@example.se", "EdiAddressInfo": {"Van": "V2", "BUYERID": "B2"}, "LEGALSTATUS": "Deceased"}`)
		expectStatus(t, r, http.StatusOK, http.StatusNoContent)
		got = s.do(t, http.MethodGet, self, tok, nil).object(t)
		assertContainsJSON(t, "after a PATCH with odd casing", map[string]any{
			"emailAddress": "new@example.se", "legalStatus": "deceased",
			"eDIAddressInfo": map[string]any{"VAN": "V2", "BuyerId": "B2"},
		}, got)
		if _, ok := got["eDIAddressInfo"].(map[string]any)["InterChangeRecipient"]; ok {
			t.Errorf("eDIAddressInfo is replaced as a whole by PATCH, but InterChangeRecipient survived: %s", show(got["eDIAddressInfo"]))
		}
		// null removes; legalStatus falls back to active.
		r = s.do(t, http.MethodPatch, self, tok, `{"legalStatus": null, "preferredLanguageCode": null, "distributionType": null, "emailAddress": null}`)
		expectStatus(t, r, http.StatusOK, http.StatusNoContent)
		got = s.do(t, http.MethodGet, self, tok, nil).object(t)
		if got["legalStatus"] != "active" {
			t.Errorf("legalStatus after null: %s, want active (the default)", show(got["legalStatus"]))
		}
		for _, k := range []string{"preferredLanguageCode", "distributionType", "emailAddress"} {
			if v, ok := got[k]; ok && v != nil {
				t.Errorf("%s after null: %s", k, show(v))
			}
		}

		// Find by every form, with a lower-case country.
		for _, regNo := range []string{"19121212-1212", "191212121212", "121212-1212", "1212121212"} {
			r = s.do(t, http.MethodPost, "/ledger/customer/v1/1000/find-customer", tok,
				fmt.Sprintf(`{"NationalIdentifier": {"regno": %q, "countryCode": "se"}}`, regNo))
			if r.Status != http.StatusOK {
				t.Errorf("find-customer %s: %s", regNo, r)
				continue
			}
			if got := r.object(t)["customerNo"]; got != "5001" {
				t.Errorf("find-customer %s: customerNo %s", regNo, show(got))
			}
		}
	})

	t.Run("limits", func(t *testing.T) {
		ok := newCustomer("5002", strings.Repeat("Å", 72)) // 72 characters, 144 bytes
		ok["legalAddress"].(map[string]any)["city"] = strings.Repeat("Ö", 27)
		expectStatus(t, s.do(t, http.MethodPost, customersPath(demoLedger), tok, ok), http.StatusCreated)
		bad := newCustomer("5003", "Tab\tName")
		assertValidation(t, s.do(t, http.MethodPost, customersPath(demoLedger), tok, bad), "name")
		bad = newCustomer("123456789012345"+"6", "Too Long Number")
		assertValidation(t, s.do(t, http.MethodPost, customersPath(demoLedger), tok, bad), "customerNo")
		good := newCustomer("123456789012345", "Longest Number")
		expectStatus(t, s.do(t, http.MethodPost, customersPath(demoLedger), tok, good), http.StatusCreated)
		expectStatus(t, s.do(t, http.MethodGet, customersPath(demoLedger, "123456789012345"), tok, nil), http.StatusOK)
	})

	t.Run("consumer-needs-a-person-and-protected-identity-is-swedish", func(t *testing.T) {
		b := newCustomer("5004", "Org As Consumer")
		b["legalEntity"] = "consumer"
		b["nationalIdentifier"] = map[string]any{"regNo": "556036-0793", "countryCode": "SE"}
		assertValidation(t, s.do(t, http.MethodPost, customersPath(demoLedger), tok, b), "nationalIdentifier.regNo")
		b["legalEntity"] = "business"
		expectStatus(t, s.do(t, http.MethodPost, customersPath(demoLedger), tok, b), http.StatusCreated)

		n := newCustomer("5005", "Ola Nordmann")
		n["legalAddress"].(map[string]any)["countryCode"] = "NO"
		n["legalAddress"].(map[string]any)["zipCode"] = "0154"
		n["protectedIdentity"] = true
		assertValidation(t, s.do(t, http.MethodPost, customersPath(demoLedger), tok, n), "protectedIdentity")
		delete(n, "protectedIdentity")
		expectStatus(t, s.do(t, http.MethodPost, customersPath(demoLedger), tok, n), http.StatusCreated)
		assertValidation(t, s.do(t, http.MethodPatch, customersPath(demoLedger, "5005"), tok, `{"protectedIdentity": true}`), "protectedIdentity")
	})

	t.Run("head", func(t *testing.T) {
		r := s.do(t, http.MethodHead, customersPath(demoLedger, "5001"), tok, nil)
		if r.Status != http.StatusOK || len(r.Body) != 0 {
			t.Errorf("HEAD customer: %s", r)
		}
	})

	t.Run("bad-expand-and-correlation-id", func(t *testing.T) {
		assertValidation(t, s.do(t, http.MethodGet, customersPath(demoLedger, "5001")+"?$expand=surpluses", tok, nil), "$expand")
		r := s.do(t, http.MethodGet, customersPath(demoLedger, "5001"), tok, nil, "X-Correlation-ID", strings.Repeat("x", 129))
		assertValidation(t, r, "X-Correlation-ID")
		if cid := r.Header.Get("X-Correlation-ID"); cid == "" || len(cid) > 128 {
			t.Errorf("an invalid X-Correlation-ID must be replaced by a generated one, got %q", cid)
		}
	})
}

// TestE2EUniqueKeyRaces: parallel creates of one customer number, or of one national
// identifier, have exactly one winner.
func TestE2EUniqueKeyRaces(t *testing.T) {
	s := startServer(t)
	const n = 20
	race := func(t *testing.T, body func(i int) map[string]any) (winners int) {
		var wg sync.WaitGroup
		var mu sync.Mutex
		start := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				r := s.do(t, http.MethodPost, customersPath(demoLedger), s.token, body(i))
				switch r.Status {
				case http.StatusCreated:
					mu.Lock()
					winners++
					mu.Unlock()
				case http.StatusConflict:
					assertProblem(t, r, http.StatusConflict, "conflict")
				default:
					t.Errorf("create %d: %s", i, r)
				}
			}()
		}
		close(start)
		wg.Wait()
		return winners
	}
	t.Run("same-customerNo", func(t *testing.T) {
		if w := race(t, func(i int) map[string]any { return newCustomer("7000", fmt.Sprintf("Racer %d", i)) }); w != 1 {
			t.Errorf("%d creates of customer 7000 succeeded, want 1", w)
		}
	})
	t.Run("same-nationalIdentifier", func(t *testing.T) {
		w := race(t, func(i int) map[string]any {
			b := newCustomer(fmt.Sprint(7100+i), fmt.Sprintf("Tolvan %d", i))
			b["nationalIdentifier"] = map[string]any{"regNo": []string{tolvan, "191212121212"}[i%2], "countryCode": "SE"}
			return b
		})
		if w != 1 {
			t.Errorf("%d creates with national identifier %s succeeded, want 1", w, tolvan)
		}
		r := s.do(t, http.MethodPost, "/ledger/customer/v1/1000/find-customer", s.token, `{"nationalIdentifier": {"regNo": "19121212-1212", "countryCode": "SE"}}`)
		expectStatus(t, r, http.StatusOK)
	})
	s.stop(t)
	events := readEvents(t, s.dir)
	created := 0
	for _, e := range events {
		if e.Type == "CustomerCreated" {
			created++
		}
	}
	if created != 2 {
		t.Errorf("%d CustomerCreated events stored, want 2", created)
	}
}

// TestE2EGeneratedCustomerNumbers: a ledger configured to generate customer numbers.
func TestE2EGeneratedCustomerNumbers(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "ledgers.json")
	if err := os.WriteFile(cfg, []byte(`{"ledgers": [
		{"ledgerNo": "1000", "countryCode": "SE"},
		{"ledgerNo": "3000", "countryCode": "NO", "generateCustomerNumbers": true, "customerNoLength": 7}
	]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startServer(t, withConfig(cfg))
	create := customersPath("3000")

	b := newCustomer("1234567", "Ola Nordmann")
	b["nationalIdentifier"] = map[string]any{"regNo": "15108695088", "countryCode": "NO"}
	assertValidation(t, s.do(t, http.MethodPost, create, s.token, b), "customerNo")
	delete(b, "customerNo")
	delete(b, "nationalIdentifier")
	assertValidation(t, s.do(t, http.MethodPost, create, s.token, b), "nationalIdentifier")

	b = newCustomer("", "Ola Nordmann")
	delete(b, "customerNo")
	b["nationalIdentifier"] = map[string]any{"regNo": "15108695088", "countryCode": "NO"}
	r := s.do(t, http.MethodPost, create, s.token, b)
	if r.Status != http.StatusCreated {
		t.Fatalf("create in the generating ledger: %s", r)
	}
	got := r.object(t)
	no, _ := got["customerNo"].(string)
	if len(no) != 7 || no[0] == '0' || strings.Trim(no, "0123456789") != "" {
		t.Errorf("generated customerNo %q: want 7 digits without a leading zero", no)
	}
	if got["@id"] != customersPath("3000", no) || r.Header.Get("Location") != customersPath("3000", no) {
		t.Errorf("create: @id %s Location %q for customer %s", show(got["@id"]), r.Header.Get("Location"), no)
	}
	expectStatus(t, s.do(t, http.MethodGet, customersPath("3000", no), s.token, nil), http.StatusOK)
	// The same person again is a conflict, not a second generated customer.
	assertProblem(t, s.do(t, http.MethodPost, create, s.token, b), http.StatusConflict, "conflict")
	// Customer numbers of the wrong length cannot exist here.
	assertProblem(t, s.do(t, http.MethodGet, customersPath("3000", "9999"), s.token, nil), http.StatusNotFound, "customer-not-found")
}
