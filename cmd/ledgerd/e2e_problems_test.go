package main

// Problems (SPEC §8): every error is an application/problem+json document with type, status,
// title and instance; bad input is always 4xx, never 5xx.

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

func TestE2EProblems(t *testing.T) {
	s := startServer(t, withConfig(ledgerConfig(t)))
	tok := s.token
	create := customersPath(demoLedger)
	no := "4711"
	body := newCustomer(no, "Tolvan Tolvansson")
	body["nationalIdentifier"] = map[string]any{"regNo": tolvan, "countryCode": "SE"}
	s.createCustomer(t, tok, body)
	self := customersPath(demoLedger, no)

	t.Run("malformed-json", func(t *testing.T) {
		for _, b := range []string{
			`{"customerNo": "1",`,
			`{"customerNo": "1", "name": "x",}`, // a trailing comma, like the document's SUS example
			`{customerNo: 1}`,
			`{"customerNo": "1"} {"name": "x"}`,
			`nope`,
		} {
			assertProblem(t, s.do(t, http.MethodPost, create, tok, b), http.StatusBadRequest, "validation")
			assertProblem(t, s.do(t, http.MethodPatch, self, tok, b), http.StatusBadRequest, "validation")
			assertProblem(t, s.do(t, http.MethodPut, self+"/legal-address", tok, b), http.StatusBadRequest, "validation")
			assertProblem(t, s.do(t, http.MethodPost, "/ledger/customer/v1/1000/find-customer", tok, b), http.StatusBadRequest, "validation")
		}
	})

	t.Run("not-an-object", func(t *testing.T) {
		for _, b := range []string{`[]`, `null`, `"customer"`, `42`, `true`} {
			assertProblem(t, s.do(t, http.MethodPost, create, tok, b), http.StatusBadRequest, "validation")
			assertProblem(t, s.do(t, http.MethodPatch, self, tok, b), http.StatusBadRequest, "validation")
		}
		// A required body that is missing.
		assertProblem(t, s.do(t, http.MethodPost, create, tok, ""), http.StatusBadRequest, "validation")
		assertProblem(t, s.do(t, http.MethodPatch, self, tok, nil), http.StatusBadRequest, "validation")
	})

	t.Run("odd-json-is-4xx", func(t *testing.T) {
		deep := strings.Repeat("[", 20000) + strings.Repeat("]", 20000)
		for _, b := range []string{
			`{"name": ` + deep + `}`,
			`{"customerNo": 1e400}`,
			`{"customerNo": "1", "customerNo": "2"}`,
			`{"customerNo": "1", "CUSTOMERNO": "2"}`,
			"{\"name\": \"\xff\xfe\"}",
			`{"name": "\ud800"}`,
			`{"legalAddress": {"city": {"a": {"b": {}}}}}`,
		} {
			r := s.do(t, http.MethodPost, create, tok, b)
			if r.Status < 400 || r.Status > 499 {
				t.Errorf("%q: %s; want 4xx", b[:min(len(b), 40)], r)
			}
		}
	})

	t.Run("wrong-types-name-the-field", func(t *testing.T) {
		r := s.do(t, http.MethodPost, create, tok, `{
			"customerNo": 9999,
			"nationalIdentifier": "19121212-1212",
			"name": ["Britt-Marie"],
			"emailAddress": {"a": 1},
			"protectedIdentity": "no",
			"msisdn": 46701234567,
			"eDIAddressInfo": 5,
			"legalAddress": {"addressee": "A", "city": 1, "zipCode": 11122, "countryCode": "SE"},
			"billingAddress": "Axelgatan 18"
		}`)
		assertValidation(t, r, "customerNo", "nationalIdentifier", "name", "emailAddress", "protectedIdentity", "msisdn",
			"eDIAddressInfo", "legalAddress.city", "legalAddress.zipCode", "billingAddress")

		r = s.do(t, http.MethodPatch, self, tok, `{"emailAddress": 5, "protectedIdentity": "false", "eDIAddressInfo": {"BuyerId": 123}}`)
		assertValidation(t, r, "emailAddress", "protectedIdentity", "eDIAddressInfo.BuyerId")

		r = s.do(t, http.MethodPut, self+"/legal-address", tok, `{"addressee": 1, "city": "X", "zipCode": "1", "countryCode": 46}`)
		assertValidation(t, r, "addressee", "countryCode")

		r = s.do(t, http.MethodPost, "/ledger/customer/v1/1000/find-customer", tok, `{"nationalIdentifier": {"regNo": 191212121212, "countryCode": "SE"}}`)
		assertValidation(t, r, "nationalIdentifier.regNo")
	})

	t.Run("every-bad-field-at-once", func(t *testing.T) {
		r := s.do(t, http.MethodPost, create, tok, map[string]any{
			"customerNo":              "0123",
			"nationalIdentifier":      map[string]any{"regNo": "19121212-1213", "countryCode": "SE"},
			"vatNo":                   "XX1",
			"legalEntity":             "alien",
			"name":                    strings.Repeat("n", 73),
			"emailAddress":            "nope",
			"preferredLanguageCode":   "XX",
			"legalStatus":             "zombie",
			"msisdn":                  "123",
			"distributionType":        "pigeon",
			"taxIdentificationNumber": strings.Repeat("1", 21),
			"eDIAddressInfo":          map[string]any{"VAN": "x"},
			"legalAddress":            map[string]any{"addressee": "", "city": strings.Repeat("c", 28), "zipCode": "1234567890", "countryCode": "QQ"},
			"billingAddress":          map[string]any{"addressee": "B", "city": "C", "zipCode": "1", "countryCode": ""},
		})
		assertValidation(t, r, "customerNo", "nationalIdentifier.regNo", "vatNo", "legalEntity", "name", "emailAddress",
			"preferredLanguageCode", "legalStatus", "msisdn", "distributionType", "taxIdentificationNumber",
			"eDIAddressInfo.BuyerId", "legalAddress.addressee", "legalAddress.city", "legalAddress.zipCode",
			"legalAddress.countryCode", "billingAddress.countryCode")

		r = s.do(t, http.MethodPatch, self, tok, map[string]any{
			"emailAddress": "nope", "legalStatus": "zombie", "preferredLanguageCode": "XX", "msisdn": "0701234567",
			"distributionType": "pigeon", "taxIdentificationNumber": "", "eDIAddressInfo": map[string]any{"VAN": "v"},
		})
		assertValidation(t, r, "emailAddress", "legalStatus", "preferredLanguageCode", "msisdn", "distributionType",
			"taxIdentificationNumber", "eDIAddressInfo.BuyerId")

		r = s.do(t, http.MethodPut, self+"/legal-address", tok, map[string]any{"streetAddress": strings.Repeat("s", 73)})
		assertValidation(t, r, "addressee", "streetAddress", "city", "zipCode", "countryCode")

		// Nothing was written by any of these.
		r = s.do(t, http.MethodGet, self, tok, nil)
		if tag := r.Header.Get("ETag"); tag != `"1"` {
			t.Errorf("rejected requests changed the customer: ETag %s", tag)
		}
	})

	t.Run("postal-codes-by-country", func(t *testing.T) {
		// SE and FI take 5 digits, NO and DK 4, in every address; the problem names the property
		// path and never the value.
		b := newCustomer("5010", "Nils Nordmann")
		b["legalAddress"] = map[string]any{"addressee": "Nils", "city": "OSLO", "zipCode": "01540", "countryCode": "NO"}
		b["billingAddress"] = map[string]any{"addressee": "Nils", "city": "STOCKHOLM", "zipCode": "ABC", "countryCode": "se"}
		for _, r := range []*response{
			s.do(t, http.MethodPost, create, tok, b),
			s.do(t, http.MethodPut, self+"/legal-address", tok, `{"addressee": "A", "city": "KØBENHAVN", "zipCode": "015409", "countryCode": "DK"}`),
			s.do(t, http.MethodPost, self+"/billing-address", tok, `{"addressee": "A", "city": "HELSINKI", "zipCode": "0010", "countryCode": "FI"}`),
		} {
			names := []string{"zipCode"}
			if r.Method == http.MethodPost && r.Path == create {
				names = []string{"legalAddress.zipCode", "billingAddress.zipCode"}
			}
			p := assertValidation(t, r, names...)
			if got := p.names(); len(got) != len(names) {
				t.Errorf("%s: problems %q, want only %q", r, got, names)
			}
			for _, v := range []string{"01540", "ABC", "015409", "0010"} {
				if strings.Contains(string(r.Body), v) {
					t.Errorf("%s: the problem echoes the zip code %q", r, v)
				}
			}
		}
		assertProblem(t, s.do(t, http.MethodGet, customersPath(demoLedger, "5010"), tok, nil), http.StatusNotFound, "customer-not-found")
		if tag := s.do(t, http.MethodGet, self, tok, nil).Header.Get("ETag"); tag != `"1"` {
			t.Errorf("rejected addresses changed the customer: ETag %s", tag)
		}
	})

	t.Run("unknown-patch-property", func(t *testing.T) {
		for _, tc := range []struct{ body, name string }{
			{`{"name": "Someone Else"}`, "name"},
			{`{"emailAddress": "a@b.se", "customerNo": "1"}`, "customerNo"},
			{`{"legalAddress": null}`, "legalAddress"},
			{`{"activeConsents": []}`, "activeConsents"},
			{`{"eDIAddressInfo": {"BuyerId": "1", "colour": "red"}}`, "eDIAddressInfo.colour"},
		} {
			r := s.do(t, http.MethodPatch, self, tok, tc.body)
			assertValidation(t, r, tc.name)
		}
		r := s.do(t, http.MethodGet, self, tok, nil)
		if got := r.object(t); got["name"] != "Tolvan Tolvansson" || got["emailAddress"] != nil {
			t.Errorf("a rejected PATCH changed the customer: %s", r.Body)
		}
	})

	t.Run("unknown-enum-values", func(t *testing.T) {
		for _, prop := range []string{"legalEntity", "legalStatus", "distributionType", "preferredLanguageCode"} {
			b := newCustomer("5001", "Enum Test")
			b[prop] = "something-else"
			assertValidation(t, s.do(t, http.MethodPost, create, tok, b), prop)
		}
	})

	t.Run("duplicate-customerNo", func(t *testing.T) {
		r := s.do(t, http.MethodPost, create, tok, newCustomer(no, "Someone Else"))
		assertProblem(t, r, http.StatusConflict, "conflict")
	})

	t.Run("duplicate-nationalIdentifier", func(t *testing.T) {
		for _, regNo := range []string{tolvan, "191212121212"} {
			b := newCustomer("4712", "Tolvan Again")
			b["nationalIdentifier"] = map[string]any{"regNo": regNo, "countryCode": "se"}
			r := s.do(t, http.MethodPost, create, tok, b)
			assertProblem(t, r, http.StatusConflict, "conflict")
		}
		assertProblem(t, s.do(t, http.MethodGet, customersPath(demoLedger, "4712"), tok, nil), http.StatusNotFound, "customer-not-found")

		// The same identifier (and customer number) in another ledger is another customer.
		b := newCustomer(no, "Tolvan in 2000")
		b["nationalIdentifier"] = map[string]any{"regNo": tolvan, "countryCode": "SE"}
		r := s.do(t, http.MethodPost, customersPath("2000"), tok, b)
		if r.Status != http.StatusCreated {
			t.Fatalf("the same national identifier in ledger 2000: %s; want 201", r)
		}
		find := `{"nationalIdentifier": {"regNo": "19121212-1212", "countryCode": "SE"}}`
		for ledgerNo, name := range map[string]string{"1000": "Tolvan Tolvansson", "2000": "Tolvan in 2000"} {
			r = s.do(t, http.MethodPost, "/ledger/customer/v1/"+ledgerNo+"/find-customer", tok, find)
			expectStatus(t, r, http.StatusOK)
			if id := r.object(t)["@id"]; id != customersPath(ledgerNo, no) {
				t.Errorf("find-customer in %s: @id %s", ledgerNo, show(id))
			}
			r = s.do(t, http.MethodGet, customersPath(ledgerNo, no), tok, nil)
			if got := r.object(t)["name"]; got != name {
				t.Errorf("customer %s in ledger %s: name %s, want %q", no, ledgerNo, show(got), name)
			}
		}
	})

	t.Run("payload-too-large", func(t *testing.T) {
		big := `{"name": "` + strings.Repeat("a", 1<<20) + `"}`
		assertProblem(t, s.do(t, http.MethodPost, create, tok, big), http.StatusRequestEntityTooLarge, "payload-too-large")
		assertProblem(t, s.do(t, http.MethodPatch, self, tok, big), http.StatusRequestEntityTooLarge, "payload-too-large")
	})

	t.Run("unsupported-media-type", func(t *testing.T) {
		b := `{"emailAddress": "a@b.se"}`
		for _, ct := range []string{"text/plain", "application/x-www-form-urlencoded", "application/xml"} {
			r := s.do(t, http.MethodPatch, self, tok, b, "Content-Type", ct)
			assertProblem(t, r, http.StatusUnsupportedMediaType, "unsupported-media-type")
		}
		r := s.do(t, http.MethodPost, create, tok, newCustomer("5002", "Plain Text"), "Content-Type", "text/plain")
		assertProblem(t, r, http.StatusUnsupportedMediaType, "unsupported-media-type")
		// JSON with parameters is JSON.
		r = s.do(t, http.MethodPatch, self, tok, b, "Content-Type", "application/json; charset=utf-8")
		expectStatus(t, r, http.StatusOK, http.StatusNoContent)
	})

	t.Run("unknown-route", func(t *testing.T) {
		for _, p := range []string{
			"/",
			"/nothing",
			"/ledger/customer/v1/1000/nothing",
			"/ledger/customer/v2/1000/customers/4711",
			self + "/unknown",
			self + "/legal-address/unknown",
		} {
			assertProblem(t, s.do(t, http.MethodGet, p, tok, nil), http.StatusNotFound, "not-found")
		}
		// A ledger that does not exist, for a token that may see every ledger.
		all := s.mint(t, "root", []string{"*"}, "customer:read")
		assertProblem(t, s.do(t, http.MethodGet, customersPath("4242", "1"), all, nil), http.StatusNotFound, "not-found")
	})

	t.Run("wrong-method", func(t *testing.T) {
		for _, tc := range []struct {
			method, path string
			allow        []string
		}{
			{http.MethodDelete, self, []string{"GET", "PATCH"}},
			{http.MethodPut, self, []string{"GET", "PATCH"}},
			{http.MethodGet, create, []string{"POST"}},
			{http.MethodDelete, create, []string{"POST"}},
			{http.MethodGet, "/ledger/customer/v1/1000/find-customer", []string{"POST"}},
			{http.MethodPatch, self + "/billing-address", []string{"GET", "POST", "PUT", "DELETE"}},
			{http.MethodDelete, self + "/legal-address", []string{"GET", "PUT"}},
		} {
			r := s.do(t, tc.method, tc.path, tok, nil)
			if r.Status != http.StatusMethodNotAllowed {
				t.Errorf("%s: want 405", r)
				continue
			}
			checkProblemShape(t, r)
			var allow []string
			for _, m := range strings.Split(r.Header.Get("Allow"), ",") {
				allow = append(allow, strings.TrimSpace(m))
			}
			for _, m := range tc.allow {
				if !slices.Contains(allow, m) {
					t.Errorf("%s %s: Allow %q lacks %s", tc.method, tc.path, r.Header.Get("Allow"), m)
				}
			}
			if slices.Contains(allow, tc.method) {
				t.Errorf("%s %s: Allow %q includes the refused method", tc.method, tc.path, r.Header.Get("Allow"))
			}
		}
	})

	t.Run("billing-address-state", func(t *testing.T) {
		addr := `{"addressee": "Kalle", "city": "STOCKHOLM", "zipCode": "16872", "countryCode": "SE"}`
		bp := self + "/billing-address"
		assertProblem(t, s.do(t, http.MethodGet, bp, tok, nil), http.StatusNotFound, "billing-address-does-not-exists")
		assertProblem(t, s.do(t, http.MethodPut, bp, tok, addr), http.StatusNotFound, "billing-address-does-not-exists")
		assertProblem(t, s.do(t, http.MethodDelete, bp, tok, "{ }"), http.StatusNotFound, "billing-address-does-not-exists")
		assertProblem(t, s.do(t, http.MethodDelete, bp, tok, nil), http.StatusNotFound, "billing-address-does-not-exists")
		expectStatus(t, s.do(t, http.MethodPost, bp, tok, addr), http.StatusCreated)
		assertProblem(t, s.do(t, http.MethodPost, bp, tok, addr), http.StatusConflict, "conflict")
		expectStatus(t, s.do(t, http.MethodDelete, bp, tok, nil), http.StatusNoContent)
		assertProblem(t, s.do(t, http.MethodDelete, bp, tok, nil), http.StatusNotFound, "billing-address-does-not-exists")
	})

	t.Run("unknown-customer", func(t *testing.T) {
		addr := `{"addressee": "Kalle", "city": "STOCKHOLM", "zipCode": "16872", "countryCode": "SE"}`
		for _, unknown := range []string{"12345", "0123", "abc", "1234567890123456"} {
			p := customersPath(demoLedger, unknown)
			for _, r := range []*response{
				s.do(t, http.MethodGet, p, tok, nil),
				s.do(t, http.MethodGet, p+"?$expand=legaladdress,billingaddress", tok, nil),
				s.do(t, http.MethodPatch, p, tok, `{"emailAddress": "a@b.se"}`),
				s.do(t, http.MethodGet, p+"/legal-address", tok, nil),
				s.do(t, http.MethodPut, p+"/legal-address", tok, addr),
				s.do(t, http.MethodGet, p+"/billing-address", tok, nil),
				s.do(t, http.MethodPost, p+"/billing-address", tok, addr),
				s.do(t, http.MethodPut, p+"/billing-address", tok, addr),
				s.do(t, http.MethodDelete, p+"/billing-address", tok, "{ }"),
			} {
				assertProblem(t, r, http.StatusNotFound, "customer-not-found")
			}
		}
		r := s.do(t, http.MethodPost, "/ledger/customer/v1/1000/find-customer", tok,
			`{"nationalIdentifier": {"regNo": "`+unregisteredPersonnummer+`", "countryCode": "SE"}}`)
		assertProblem(t, r, http.StatusNotFound, "customer-not-found")
	})

	t.Run("precondition", func(t *testing.T) {
		r := s.do(t, http.MethodPatch, self, tok, `{"emailAddress": "x@y.se"}`, "If-Match", `"not-a-version"`)
		assertProblem(t, r, http.StatusPreconditionFailed, "precondition-failed")
	})
}
