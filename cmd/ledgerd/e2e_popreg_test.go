package main

// The population register (SPEC §3, §7): the document's update-legal-address-from-population-
// register and generate-consumer-customer-by-reg-no examples sent verbatim, against the built-in
// register (Tolvan Tolvansson) and against a register service over HTTP; their errors; a register
// that does not answer; and protected identity.

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nordledger/ledger/httpapi/auth"
)

const (
	// protectedPerson is the built-in register's Swedish person with protected identity.
	protectedPerson = "19811228-9874"
	// norwegianPerson is the built-in register's Norwegian test person.
	norwegianPerson = "15108695088"
	relFromRegister = "update-legal-address-from-population-register"
)

// tolvanRegistered is Tolvan's legal address in the built-in register.
var tolvanRegistered = map[string]any{
	"addressee": "Tolvan Tolvansson", "streetAddress": "Tolvansgatan 12", "city": "STOCKHOLM", "zipCode": "11212", "countryCode": "SE",
}

// docOperations returns the operations of a document example response at a path.
func docOperations(t *testing.T, name, path string, v docVars) []operation {
	t.Helper()
	_, body := docResponse(t, name, v)
	return operationsAt(t, body, path)
}

// assertSameOperations checks that ops are exactly want, in any order.
func assertSameOperations(t *testing.T, what string, ops, want []operation) {
	t.Helper()
	if len(ops) != len(want) {
		t.Errorf("%s: operations %v, want %v", what, ops, want)
	}
	assertOperations(t, what, ops, want)
}

// legalAddressEvents returns the source of each LegalAddressReplaced of a customer, and the
// source of its CustomerCreated.
func addressSources(t *testing.T, s *testServer, no string) (created string, replaced []string) {
	t.Helper()
	s.stop(t)
	defer s.start(t)
	for _, e := range streamEvents(readEvents(t, s.dir), demoLedger, no) {
		var d struct{ Source string }
		if err := json.Unmarshal(e.Data, &d); err != nil {
			t.Fatal(err)
		}
		switch e.Type {
		case "CustomerCreated":
			created = d.Source
		case "LegalAddressReplaced":
			replaced = append(replaced, d.Source)
		}
	}
	return created, replaced
}

// TestE2EPopulationRegisterDocumentExamples: generate (the document's example) → the customer
// carries the register's name and address; the operations are the document's; PUT moves the
// legal address away and the update example brings the register's back, as does POST on the
// legal address itself.
func TestE2EPopulationRegisterDocumentExamples(t *testing.T) {
	s := startServer(t)
	v := defaultVars(s.token, "consumer")
	self := customersPath(demoLedger, v.CustomerNo)

	r := s.sendDocRequest(t, "generate-consumer-customer-by-reg-no.http", v)
	wantStatus, want := docResponse(t, "generate-consumer-customer-by-reg-no.response.http", v)
	if r.Status != wantStatus {
		t.Fatalf("generate: %s; want %d", r, wantStatus)
	}
	want["customerNo"] = strings.TrimSpace(want["customerNo"].(string)) // " 9999" is a typo (SPEC §4)
	assertContainsJSON(t, "generate response", want, r.object(t))
	if loc := r.Header.Get("Location"); loc != self {
		t.Errorf("generate: Location %q, want %q", loc, self)
	}

	r = s.sendDocRequest(t, "get-customer-expand.http", v)
	expectStatus(t, r, http.StatusOK)
	got := r.object(t)
	assertContainsJSON(t, "generated customer", map[string]any{
		"customerNo": "9999", "nationalIdentifier": map[string]any{"regNo": tolvan, "countryCode": "SE"},
		"legalEntity": "consumer", "name": "Tolvan Tolvansson", "emailAddress": "britt@axelstopp.com",
		"msisdn": "+91485918841", "protectedIdentity": false, "legalStatus": "active", "legalAddress": tolvanRegistered,
	}, got)
	assertSameOperations(t, "GET $expand legalAddress", operationsAt(t, got, "legalAddress.operations"),
		docOperations(t, "get-customer-expand.response.http", "legalAddress.operations", v))

	r = s.sendDocRequest(t, "get-legal-address.http", v)
	expectStatus(t, r, http.StatusOK)
	assertContainsJSON(t, "GET legal-address", tolvanRegistered, r.object(t))
	assertSameOperations(t, "GET legal-address", operationsAt(t, r.object(t), "operations"),
		docOperations(t, "get-legal-address.response.http", "operations", v))

	// Away with PUT, back with the document's update example.
	expectStatus(t, s.sendDocRequest(t, "put-legal-address.http", v), http.StatusOK)
	r = s.sendDocRequest(t, "update-legal-address-from-population-register.http", v)
	expectStatus(t, r, http.StatusOK)
	assertContainsJSON(t, "update from the register", tolvanRegistered, r.object(t))
	tag := r.Header.Get("ETag")
	r = s.sendDocRequest(t, "get-legal-address.http", v)
	assertContainsJSON(t, "legal address after the update", tolvanRegistered, r.object(t))
	if co, ok := r.object(t)["coAddress"]; ok {
		t.Errorf("the register's address has no coAddress, but %s survived", show(co))
	}

	// The same again changes nothing.
	r = s.sendDocRequest(t, "update-legal-address-from-population-register.http", v)
	expectStatus(t, r, http.StatusOK)
	if r.Header.Get("ETag") != tag {
		t.Errorf("an update that changes nothing moved the ETag from %s to %s", tag, r.Header.Get("ETag"))
	}

	// POST on the legal address itself (the href of the expanded example), with "{ }" and with no body.
	expectStatus(t, s.sendDocRequest(t, "put-legal-address.http", v), http.StatusOK)
	r = s.do(t, http.MethodPost, self+"/legal-address", s.token, "{ }")
	expectStatus(t, r, http.StatusOK)
	assertContainsJSON(t, "POST legal-address", tolvanRegistered, r.object(t))
	expectStatus(t, s.sendDocRequest(t, "put-legal-address.http", v), http.StatusOK)
	expectStatus(t, s.do(t, http.MethodPost, self+"/legal-address", s.token, nil), http.StatusOK)

	created, replaced := addressSources(t, s, "9999")
	if created != "population-register" {
		t.Errorf("CustomerCreated source %q, want population-register", created)
	}
	if want := []string{"api", "population-register", "api", "population-register", "api", "population-register"}; !slices.Equal(replaced, want) {
		t.Errorf("LegalAddressReplaced sources %q, want %q", replaced, want)
	}
}

// TestE2EPopulationRegisterErrors: scopes, unknown persons, customers without a national
// identifier, uniqueness, validation — every one a 4xx problem, and nothing written.
func TestE2EPopulationRegisterErrors(t *testing.T) {
	s := startServer(t)
	v := defaultVars(s.token, "consumer")
	generate := "/ledger/customer/v1/" + demoLedger + "/generate-consumer-customer-by-reg-no"
	body := func(no, regNo string) string {
		return `{"customerNo": "` + no + `", "nationalIdentifier": {"regNo": "` + regNo + `", "countryCode": "SE"}}`
	}
	noRegister := s.mint(t, "clerk", []string{demoLedger}, auth.ScopeCustomerRead, auth.ScopeCustomerWrite)

	t.Run("scope", func(t *testing.T) {
		assertProblem(t, s.do(t, http.MethodPost, generate, noRegister, body("7001", tolvan)), http.StatusForbidden, "forbidden")
		vv := v
		vv.Token = noRegister
		assertProblem(t, s.sendDocRequest(t, "generate-consumer-customer-by-reg-no.http", vv), http.StatusForbidden, "forbidden")
		assertProblem(t, s.do(t, http.MethodGet, customersPath(demoLedger, "7001"), s.token, nil), http.StatusNotFound, "customer-not-found")
	})

	t.Run("generate-unknown-person", func(t *testing.T) {
		r := s.do(t, http.MethodPost, generate, s.token, body("7002", unregisteredPersonnummer))
		p := assertProblem(t, r, http.StatusNotFound, "not-found")
		if !strings.Contains(p.Detail, "population register") {
			t.Errorf("detail %q does not name the population register", p.Detail)
		}
		assertProblem(t, s.do(t, http.MethodGet, customersPath(demoLedger, "7002"), s.token, nil), http.StatusNotFound, "customer-not-found")
	})

	t.Run("generate-validation", func(t *testing.T) {
		assertValidation(t, s.do(t, http.MethodPost, generate, s.token, `{}`), "customerNo", "nationalIdentifier")
		assertValidation(t, s.do(t, http.MethodPost, generate, s.token,
			`{"customerNo": "0x", "nationalIdentifier": {"regNo": "19121212-1213"}, "emailAddress": "nope", "msisdn": 5, "name": "X"}`),
			"customerNo", "nationalIdentifier.countryCode", "emailAddress", "msisdn", "name")
		assertValidation(t, s.do(t, http.MethodPost, generate, s.token, body("7003", "556036-0793")), "nationalIdentifier.regNo")
		assertValidation(t, s.do(t, http.MethodPost, generate, s.token, `[]`), "body")
		assertValidation(t, s.do(t, http.MethodPost, generate, s.token, `{"customerNo": "7003",`), "body")
		assertValidation(t, s.do(t, http.MethodPost, generate, s.token, nil), "body")
	})

	t.Run("generate-uniqueness", func(t *testing.T) {
		expectStatus(t, s.do(t, http.MethodPost, generate, s.token, body("7004", tolvan)), http.StatusCreated)
		// Tolvan in another form is the same person.
		assertProblem(t, s.do(t, http.MethodPost, generate, s.token, body("7005", "191212121212")), http.StatusConflict, "conflict")
		c := newCustomer("7006", "Someone Else")
		s.createCustomer(t, s.token, c)
		assertProblem(t, s.do(t, http.MethodPost, generate, s.token,
			`{"customerNo": "7006", "nationalIdentifier": {"regNo": "`+norwegianPerson+`", "countryCode": "NO"}}`), http.StatusConflict, "conflict")
		// And create refuses the national identifier generate reserved.
		c = newCustomer("7007", "Tolvan Again")
		c["nationalIdentifier"] = map[string]any{"regNo": tolvan, "countryCode": "SE"}
		assertProblem(t, s.do(t, http.MethodPost, customersPath(demoLedger), s.token, c), http.StatusConflict, "conflict")
	})

	t.Run("update-errors", func(t *testing.T) {
		// No national identifier: nothing to look up (409), and the operation is not offered.
		s.createCustomer(t, s.token, newCustomer("7010", "Utan Nummer"))
		vv := v
		vv.CustomerNo = "7010"
		assertProblem(t, s.sendDocRequest(t, "update-legal-address-from-population-register.http", vv), http.StatusConflict, "conflict")
		r := s.sendDocRequest(t, "get-legal-address.http", vv)
		assertOperations(t, "legal address without a national identifier", operationsAt(t, r.object(t), "operations"), nil, relFromRegister)

		// A national identifier the register does not know: 404.
		c := newCustomer("7011", "Okänd Person")
		c["nationalIdentifier"] = map[string]any{"regNo": unregisteredPersonnummer, "countryCode": "SE"}
		s.createCustomer(t, s.token, c)
		vv.CustomerNo = "7011"
		assertProblem(t, s.sendDocRequest(t, "update-legal-address-from-population-register.http", vv), http.StatusNotFound, "not-found")
		assertContainsJSON(t, "legal address after a failed update", map[string]any{"addressee": "Okänd Person", "streetAddress": "Storgatan 1"},
			s.sendDocRequest(t, "get-legal-address.http", vv).object(t))

		// No such customer; a body that is not empty; the scope.
		vv.CustomerNo = "7099"
		assertProblem(t, s.sendDocRequest(t, "update-legal-address-from-population-register.http", vv), http.StatusNotFound, "customer-not-found")
		path := customersPath(demoLedger, "7011", "legal-address", relFromRegister)
		assertValidation(t, s.do(t, http.MethodPost, path, s.token, `{"addressee": "X"}`), "addressee")
		assertProblem(t, s.do(t, http.MethodPost, path, noRegister, `{}`), http.StatusForbidden, "forbidden")
		assertProblem(t, s.do(t, http.MethodGet, path, s.token, nil), http.StatusMethodNotAllowed, "method-not-allowed")

		// Without the scope, the operation is not offered.
		vv = v
		vv.CustomerNo, vv.Token = "7004", noRegister
		r = s.sendDocRequest(t, "get-legal-address.http", vv)
		assertOperations(t, "legal address without the scope", operationsAt(t, r.object(t), "operations"), nil, relFromRegister)
	})
}

// TestE2EPopulationRegisterGeneratedNumbers: in a ledger that generates customer numbers,
// generate takes no customerNo and answers with the one it drew.
func TestE2EPopulationRegisterGeneratedNumbers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledgers.json")
	cfg := `{"ledgers": [{"ledgerNo": "1000", "countryCode": "SE"}, {"ledgerNo": "2000", "countryCode": "NO", "generateCustomerNumbers": true, "customerNoLength": 7}]}`
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startServer(t, withConfig(path))
	generate := "/ledger/customer/v1/2000/generate-consumer-customer-by-reg-no"
	r := s.do(t, http.MethodPost, generate, s.token, `{"nationalIdentifier": {"regNo": "`+norwegianPerson+`", "countryCode": "NO"}}`)
	expectStatus(t, r, http.StatusCreated)
	no, _ := r.object(t)["customerNo"].(string)
	if len(no) != 7 || r.Header.Get("Location") != customersPath("2000", no) {
		t.Fatalf("generated customer %q at %q", no, r.Header.Get("Location"))
	}
	got := s.do(t, http.MethodGet, customersPath("2000", no)+"?$expand=legaladdress", s.token, nil).object(t)
	assertContainsJSON(t, "generated Norwegian customer", map[string]any{"name": "Ola Nordmann",
		"legalAddress": map[string]any{"city": "OSLO", "zipCode": "0154", "countryCode": "NO"}}, got)
	assertValidation(t, s.do(t, http.MethodPost, generate, s.token,
		`{"customerNo": "1234567", "nationalIdentifier": {"regNo": "`+norwegianPerson+`", "countryCode": "NO"}}`), "customerNo")
}

// rawPost sends a request whose answer may be a 5xx (s.do treats any 5xx as a bug).
func rawPost(t *testing.T, s *testServer, path, body string) *response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.base+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+s.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	r := &response{Method: req.Method, Path: req.URL.Path, Status: resp.StatusCode, Header: resp.Header, Body: data}
	checkProblemShape(t, r)
	return r
}

// TestE2EPopulationRegisterOverHTTP: ledgerd configured with a register service. While the
// service answers, generate and update read it; when it fails or is down, both answer 503 and
// change nothing.
func TestE2EPopulationRegisterOverHTTP(t *testing.T) {
	var down bool
	var mu = make(chan struct{}, 1)
	mu <- struct{}{}
	register := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-mu
		failing := down
		mu <- struct{}{}
		var req struct {
			NationalIdentifier struct{ RegNo, CountryCode string } `json:"nationalIdentifier"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || r.Method != http.MethodPost {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		switch {
		case failing:
			http.Error(w, "down for maintenance", http.StatusInternalServerError)
		case req.NationalIdentifier.RegNo == tolvan:
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"nationalIdentifier": {"regNo": "`+tolvan+`", "countryCode": "SE"}, "name": "Tolvan Tolvansson",
				"address": {"addressee": "Tolvan Tolvansson", "streetAddress": "Registervägen 1", "city": "STOCKHOLM", "zipCode": "11111", "countryCode": "SE"}}`)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(register.Close)
	setDown := func(v bool) { <-mu; down = v; mu <- struct{}{} }

	s := startServer(t, withArgs("-population-register", register.URL+"/lookup", "-population-register-timeout", "2s"))
	v := defaultVars(s.token, "consumer")
	expectStatus(t, s.sendDocRequest(t, "generate-consumer-customer-by-reg-no.http", v), http.StatusCreated)
	r := s.sendDocRequest(t, "get-legal-address.http", v)
	assertContainsJSON(t, "address from the register service", map[string]any{"streetAddress": "Registervägen 1", "zipCode": "11111"}, r.object(t))
	expectStatus(t, s.sendDocRequest(t, "put-legal-address.http", v), http.StatusOK)
	tag := s.sendDocRequest(t, "get-legal-address.http", v).Header.Get("ETag")
	generate := "/ledger/customer/v1/" + demoLedger + "/generate-consumer-customer-by-reg-no"
	// A person the register does not know (with a free customer number: the document's 9999 is
	// taken now, which is refused before the register is asked).
	assertProblem(t, s.do(t, http.MethodPost, generate, s.token,
		`{"customerNo": "9998", "nationalIdentifier": {"regNo": "`+unregisteredPersonnummer+`", "countryCode": "SE"}}`), http.StatusNotFound, "not-found")
	update := customersPath(demoLedger, "9999", "legal-address", relFromRegister)
	check503 := func(what string) {
		t.Helper()
		r := rawPost(t, s, generate, `{"customerNo": "9997", "nationalIdentifier": {"regNo": "`+unregisteredPersonnummer+`", "countryCode": "SE"}}`)
		if r.Status != http.StatusServiceUnavailable || !strings.Contains(string(r.Body), problemTypePrefix+"unavailable") {
			t.Errorf("%s: generate: %s, want 503 unavailable", what, r)
		}
		r = rawPost(t, s, update, `{}`)
		if r.Status != http.StatusServiceUnavailable || !strings.Contains(string(r.Body), problemTypePrefix+"unavailable") {
			t.Errorf("%s: update: %s, want 503 unavailable", what, r)
		}
		assertProblem(t, s.do(t, http.MethodGet, customersPath(demoLedger, "9997"), s.token, nil), http.StatusNotFound, "customer-not-found")
		r = s.sendDocRequest(t, "get-legal-address.http", v)
		if r.Header.Get("ETag") != tag {
			t.Errorf("%s: the legal address changed (ETag %s → %s)", what, tag, r.Header.Get("ETag"))
		}
		assertContainsJSON(t, what+": legal address", map[string]any{"addressee": "Kalle Axelstopp"}, r.object(t))
	}
	setDown(true)
	check503("register failing")
	register.Close()
	check503("register down")
	if !strings.Contains(s.logs.String(), "population register unavailable") {
		t.Errorf("the outage is not in the log")
	}
}

// protectedRegister is a register file: Sigrid and Petra are protected, Tolvan is not.
const protectedRegister = `{"people": [
  {"nationalIdentifier": {"regNo": "19811228-9874", "countryCode": "SE"}, "name": "Sigrid Skyddad", "protectedIdentity": true,
   "address": {"addressee": "Sigrid Skyddad", "streetAddress": "Hemliga vägen 7", "city": "UPPSALA", "zipCode": "75320", "countryCode": "SE"}},
  {"nationalIdentifier": {"regNo": "670919-9530", "countryCode": "SE"}, "name": "Petra Skyddad", "protectedIdentity": true,
   "address": {"addressee": "Petra Skyddad", "streetAddress": "Dolda gränd 3", "city": "UPPSALA", "zipCode": "75320", "countryCode": "SE"}},
  {"nationalIdentifier": {"regNo": "19121212-1212", "countryCode": "SE"}, "name": "Tolvan Tolvansson",
   "address": {"addressee": "Tolvan Tolvansson", "streetAddress": "Tolvansgatan 12", "city": "STOCKHOLM", "zipCode": "11212", "countryCode": "SE"}}
]}`

// TestE2EProtectedIdentity (with a register file): a customer generated from a protected person
// is protected; its addresses are disclosed only to callers with the population-register scope —
// not in GET customer, $expand, the address resources or a billing address change's answer;
// find-customer finds it without disclosing anything. Updating from the register raises
// protection and never lowers it.
func TestE2EProtectedIdentity(t *testing.T) {
	file := filepath.Join(t.TempDir(), "register.json")
	if err := os.WriteFile(file, []byte(protectedRegister), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startServer(t, withArgs("-population-register", file))
	generate := "/ledger/customer/v1/" + demoLedger + "/generate-consumer-customer-by-reg-no"
	r := s.do(t, http.MethodPost, generate, s.token, `{"customerNo": "8001", "nationalIdentifier": {"regNo": "`+protectedPerson+`", "countryCode": "SE"}}`)
	expectStatus(t, r, http.StatusCreated)
	clerk := s.mint(t, "clerk", []string{demoLedger}, auth.ScopeCustomerRead, auth.ScopeCustomerWrite)
	self := customersPath(demoLedger, "8001")
	noSecret := func(what string, r *response) {
		t.Helper()
		for _, v := range []string{"Hemliga", "Dolda", "UPPSALA", "75320", "Box 1"} {
			if strings.Contains(string(r.Body), v) {
				t.Errorf("%s discloses the protected address: %s", what, r.Body)
			}
		}
	}
	noAddresses := func(target string) {
		t.Helper()
		r := s.do(t, http.MethodGet, target, clerk, nil)
		expectStatus(t, r, http.StatusOK)
		got := r.object(t)
		if got["protectedIdentity"] != true {
			t.Errorf("GET %s: not protected: %s", target, r.Body)
		}
		for _, k := range []string{"legalAddress", "billingAddress"} {
			if _, ok := got[k]; ok {
				t.Errorf("GET %s shows %s to a caller without population-register", target, k)
			}
		}
		noSecret("GET "+target, r)
	}

	// The clerk (customer:read, customer:write): no address anywhere.
	noAddresses(self)
	noAddresses(self + "?$expand=legaladdress,billingaddress")
	noSecret("GET legal-address", assertProblemResponse(t, s.do(t, http.MethodGet, self+"/legal-address", clerk, nil), http.StatusForbidden, "forbidden"))
	billing := `{"addressee": "Sigrid Skyddad", "streetAddress": "Box 1", "city": "UPPSALA", "zipCode": "75320", "countryCode": "SE"}`
	r = s.do(t, http.MethodPost, self+"/billing-address", clerk, billing)
	if r.Status != http.StatusNoContent || len(r.Body) != 0 {
		t.Errorf("POST billing-address by the clerk: %s, want 204 without a body", r)
	}
	noAddresses(self + "?$expand=billingaddress")
	noSecret("GET billing-address", assertProblemResponse(t, s.do(t, http.MethodGet, self+"/billing-address", clerk, nil), http.StatusForbidden, "forbidden"))
	r = s.do(t, http.MethodPatch, self, clerk, `{"emailAddress": "sigrid@example.se"}`)
	expectStatus(t, r, http.StatusOK)
	noSecret("PATCH", r)
	r = s.do(t, http.MethodPost, "/ledger/customer/v1/"+demoLedger+"/find-customer", clerk, `{"nationalIdentifier": {"regNo": "`+protectedPerson+`", "countryCode": "SE"}}`)
	expectStatus(t, r, http.StatusOK)
	if got := r.object(t); got["customerNo"] != "8001" || len(got) != 2 {
		t.Errorf("find-customer: %s, want only @id and customerNo", r.Body)
	}

	// With the population-register scope: everything, and the register's operation.
	r = s.do(t, http.MethodGet, self+"?$expand=legaladdress,billingaddress", s.token, nil)
	got := r.object(t)
	assertContainsJSON(t, "GET with the scope", map[string]any{
		"legalAddress":   map[string]any{"streetAddress": "Hemliga vägen 7", "city": "UPPSALA"},
		"billingAddress": map[string]any{"streetAddress": "Box 1"},
	}, got)
	assertOperations(t, "protected customer with the scope", operationsAt(t, got, "legalAddress.operations"),
		[]operation{{relFromRegister, http.MethodPost, self + "/legal-address"}})
	expectStatus(t, s.do(t, http.MethodGet, self+"/legal-address", s.token, nil), http.StatusOK)

	// Created over the API unprotected, Petra becomes protected when updated from the register.
	c := newCustomer("8002", "Petra Skyddad")
	c["nationalIdentifier"] = map[string]any{"regNo": "196709199530", "countryCode": "SE"}
	s.createCustomer(t, s.token, c)
	p2 := customersPath(demoLedger, "8002")
	if got := s.do(t, http.MethodGet, p2, clerk, nil).object(t); got["protectedIdentity"] != false || got["legalAddress"] == nil {
		t.Fatalf("Petra before the update: %v", got)
	}
	r = s.do(t, http.MethodPost, p2+"/legal-address", s.token, `{}`)
	expectStatus(t, r, http.StatusOK)
	assertContainsJSON(t, "Petra's address from the register", map[string]any{"streetAddress": "Dolda gränd 3"}, r.object(t))
	noAddresses(p2)
	// Petra's history holds the address she had before the protection: an auditor without the
	// register's scope sees neither her events nor her past states; with it, both.
	auditor := s.mint(t, "auditor", []string{demoLedger}, auth.ScopeCustomerRead, auth.ScopeAuditRead)
	for _, target := range []string{p2 + "/events", p2 + "?asOfVersion=1", p2 + "/legal-address?asOfVersion=1"} {
		noSecret("GET "+target, assertProblemResponse(t, s.do(t, http.MethodGet, target, auditor, nil), http.StatusForbidden, "forbidden"))
		expectStatus(t, s.do(t, http.MethodGet, target, s.token, nil), http.StatusOK)
	}
	events := s.do(t, http.MethodGet, "/ledger/customer/v1/"+demoLedger+"/events?limit=1000", auditor, nil)
	expectStatus(t, events, http.StatusOK)
	noSecret("GET /events", events)
	if !strings.Contains(string(events.Body), `"dataWithheld":true`) {
		t.Errorf("GET /events withholds nothing: %s", events.Body)
	}
	if all := s.do(t, http.MethodGet, "/ledger/customer/v1/"+demoLedger+"/events?limit=1000", s.token, nil); !strings.Contains(string(all.Body), "Dolda") {
		t.Errorf("GET /events with the scope lacks Petra's address: %s", all.Body)
	}
	// Lowering protection is a client's decision (PATCH), and the register does not raise it
	// again for Tolvan, whom it does not protect.
	c = newCustomer("8003", "Tolvan Tolvansson")
	c["nationalIdentifier"] = map[string]any{"regNo": tolvan, "countryCode": "SE"}
	s.createCustomer(t, s.token, c)
	expectStatus(t, s.do(t, http.MethodPost, customersPath(demoLedger, "8003", "legal-address"), s.token, `{}`), http.StatusOK)
	if got := s.do(t, http.MethodGet, customersPath(demoLedger, "8003"), clerk, nil).object(t); got["protectedIdentity"] != false || got["legalAddress"] == nil {
		t.Errorf("Tolvan after the update: %v", got)
	}
}

// assertProblemResponse is assertProblem returning the response.
func assertProblemResponse(t *testing.T, r *response, status int, code string) *response {
	t.Helper()
	assertProblem(t, r, status, code)
	return r
}
