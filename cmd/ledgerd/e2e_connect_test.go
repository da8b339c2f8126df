package main

// The Connect client API's "Get customer details" (SPEC §3, the Connect paragraph; the second
// source document), served from the ledger: the document's example, every error, customers who
// may not be disclosed, tenancy, and the audit record of every look-up.

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/nordledger/ledger/httpapi/auth"
)

// gustav is a customer shaped like the document's response example.
func gustav(customerNo, regNo string) map[string]any {
	return map[string]any{
		"customerNo":            customerNo,
		"nationalIdentifier":    map[string]any{"regNo": regNo, "countryCode": "SE"},
		"legalEntity":           "consumer",
		"name":                  "Gustav Adolfs",
		"emailAddress":          "gustav.adolfs@stockholm.se",
		"msisdn":                "+46701234567",
		"preferredLanguageCode": "sv",
		"legalAddress": map[string]any{"addressee": "Gustav Adolfs", "streetAddress": "Gustav Adolfs torg 22", "coAddress": "c/o Kansliet",
			"city": "Stockholm", "zipCode": "111 52", "countryCode": "SE"},
	}
}

// TestE2EConnectDocumentExample: the document's request, verbatim, is answered with the
// document's 400 CUSTOMER_DETAILS_NOT_FOUND (its illustrative fiscal number is no valid
// personnummer); with the fiscal number of a customer created through the ledger API, in any
// accepted form, it is answered with the customer's details. Every look-up is recorded in the
// look-up streams, published on NATS, and leaves the customer's version alone.
func TestE2EConnectDocumentExample(t *testing.T) {
	s := startServer(t)
	c := newConnectClient(s)
	msgs := subscribeEvents(t, s)

	s.createCustomer(t, s.token, gustav("9999", tolvan))
	etag := s.do(t, http.MethodGet, customersPath(demoLedger, "9999"), s.token, nil).Header.Get("ETag")
	checkout := s.mint(t, "checkout-frontend", []string{demoLedger}, auth.ScopeCustomerRead)

	// The document's example, verbatim: its 400 response.
	r := c.post(t, connectPath("1000", "9000"), checkout, docCustomerDetailsRequest)
	b := assertConnectError(t, r, http.StatusBadRequest, "1214", "CUSTOMER_DETAILS_NOT_FOUND")
	if b.Errors[0].Message != "No customer details could be found with the provided data." || b.Errors[0].Category != "CONNECT_PLATFORM_ERROR" {
		t.Errorf("not-found error %+v differs from the document's", b.Errors[0])
	}
	unmatchedRequestID := b.Errors[0].RequestID

	want := map[string]any{
		"fiscalNumber": "19121212-1212", "city": "Stockholm", "street": "Gustav Adolfs torg 22", "zip": "11152", "country": "SE",
		"firstName": "Gustav", "surname": "Adolfs", "emailAddress": "gustav.adolfs@stockholm.se", "phoneNumber": "+46701234567",
		"languageCode": "sv",
	}
	for _, form := range []string{"19121212-1212", "191212121212", "121212-1212"} {
		body := strings.Replace(docCustomerDetailsRequest, "012345678901", form, 1)
		r := c.post(t, connectPath("1000", "9000"), checkout, body)
		if r.Status != http.StatusOK {
			t.Fatalf("look-up by %s: %s", form, r)
		}
		var got map[string]any
		if err := json.Unmarshal(r.Body, &got); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("look-up by %s:\n got  %v\n want %v", form, got, want)
		}
		if r.Header.Get("Cache-Control") != "no-store" || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			t.Errorf("look-up headers %v", r.Header)
		}
	}
	// The development token printed at start works too (README's curl).
	expectStatus(t, c.post(t, connectPath("1000", "9000"), s.token, lookupBody("SE", tolvan)), http.StatusOK)

	if got := s.do(t, http.MethodGet, customersPath(demoLedger, "9999"), s.token, nil).Header.Get("ETag"); got != etag {
		t.Errorf("the customer's ETag moved from %s to %s with look-ups", etag, got)
	}

	// On NATS: the look-ups on the customer's subject (ce-subject lookups/9999) and the unmatched
	// one on ...unmatched...; the customer's own CustomerCreated first.
	wantSubjects := []struct{ subject, ceSubject string }{
		{"ledger.customer.v1.1000.9999.CustomerCreated", "customers/9999"},
		{"ledger.customer.v1.1000.unmatched.CustomerDetailsLookedUp", "lookups/unmatched"},
	}
	for range 4 {
		wantSubjects = append(wantSubjects, struct{ subject, ceSubject string }{"ledger.customer.v1.1000.9999.CustomerDetailsLookedUp", "lookups/9999"})
	}
	wait, cancel := waitContext(t)
	defer cancel()
	for i, w := range wantSubjects {
		select {
		case m := <-msgs:
			if m.Subject != w.subject || m.Header.Get("ce-subject") != w.ceSubject {
				t.Fatalf("message %d: %s (ce-subject %s), want %s (%s)", i, m.Subject, m.Header.Get("ce-subject"), w.subject, w.ceSubject)
			}
		case <-wait.Done():
			t.Fatalf("only %d of %d events arrived on NATS by the test's deadline", i, len(wantSubjects))
		}
	}

	s.stop(t)
	all := readEvents(t, s.dir)
	if got := eventTypes(streamEvents(all, demoLedger, "9999")); !reflect.DeepEqual(got, []string{"CustomerCreated"}) {
		t.Errorf("the customer's stream holds %v: a look-up was written into it", got)
	}
	found := lookupEvents(t, s.dir, "1000/lookups/9999")
	unmatched := lookupEvents(t, s.dir, "1000/lookups/unmatched")
	if len(found) != 4 || len(unmatched) != 1 {
		t.Fatalf("look-up streams hold %d and %d events, want 4 and 1", len(found), len(unmatched))
	}
	for _, e := range found[:3] {
		if e["@actor"] != "checkout-frontend" || e["customerNo"] != "9999" || e["result"] != "found" || e["merchantId"] != "1000" ||
			e["paymentProductId"] != "9000" || e["countryCode"] != "SE" || !reflect.DeepEqual(e["keys"], []any{"fiscalNumber"}) {
			t.Errorf("look-up event %v", e)
		}
	}
	if e := unmatched[0]; e["result"] != "not-found" || e["customerNo"] != nil || e["@causationId"] != unmatchedRequestID {
		t.Errorf("unmatched look-up event %v (the response's requestId was %s)", e, unmatchedRequestID)
	}
	for _, e := range all {
		if e.Type != "CustomerDetailsLookedUp" {
			continue
		}
		for _, personal := range []string{"012345678901", "19121212", "121212-1212", "Gustav", "Adolfs", "stockholm", "+4670"} {
			if strings.Contains(string(e.Data), personal) {
				t.Errorf("look-up event data %s holds personal data %q", e.Data, personal)
			}
		}
	}
}

// TestE2EConnectErrors: every error is Connect's ErrorResponse with the documented code, a fresh
// errorId and the request's id; validation names each failing value at once.
func TestE2EConnectErrors(t *testing.T) {
	s := startServer(t)
	c := newConnectClient(s)
	s.createCustomer(t, s.token, gustav("9999", tolvan))
	path := connectPath("1000", "9000")
	reader := s.mint(t, "checkout", []string{demoLedger}, auth.ScopeCustomerRead)
	writer := s.mint(t, "writer", []string{demoLedger}, auth.ScopeCustomerWrite)
	otherLedger := s.mint(t, "other", []string{"2000"}, auth.ScopeCustomerRead)
	se := func(values string) string { return `{"countryCode":"SE","values":` + values + `}` }
	fn := func(value string) string { return `{"key":"fiscalNumber","value":` + value + `}` }

	type tc struct {
		name, method, path, token, body string
		headers                         []string
		status                          int
		code, id                        string
		props                           []string
	}
	const missing, invalid = "20000000", "1099"
	tests := []tc{
		{"no token", "POST", path, "", se(`[` + fn(`"19121212-1212"`) + `]`), nil, 401, "9002", "MISSING_OR_INVALID_AUTHORIZATION", nil},
		{"invalid token", "POST", path, "not.a.token", se(`[` + fn(`"19121212-1212"`) + `]`), nil, 401, "9002", "MISSING_OR_INVALID_AUTHORIZATION", nil},
		{"unknown merchant", "POST", connectPath("4242", "9000"), reader, docCustomerDetailsRequest, nil, 404, "9007", "ACCESS_TO_MERCHANT_NOT_ALLOWED", nil},
		{"merchant of a ledger the token lacks", "POST", path, otherLedger, docCustomerDetailsRequest, nil, 404, "9007", "ACCESS_TO_MERCHANT_NOT_ALLOWED", nil},
		{"no customer:read", "POST", path, writer, docCustomerDetailsRequest, nil, 403, "9007", "ACCESS_TO_MERCHANT_NOT_ALLOWED", nil},
		{"unknown product", "POST", connectPath("1000", "9001"), reader, docCustomerDetailsRequest, nil, 404, "1070", "UNKNOWN_PAYMENT_PRODUCT_ID", []string{"paymentProductId"}},
		{"product id not a number", "POST", connectPath("1000", "abc"), reader, docCustomerDetailsRequest, nil, 404, "1070", "UNKNOWN_PAYMENT_PRODUCT_ID", []string{"paymentProductId"}},
		{"GET", "GET", path, reader, "", nil, 405, "405", "METHOD_NOT_ALLOWED", nil},
		{"no body", "POST", path, reader, "", nil, 400, missing, "PARAMETER_NOT_FOUND_IN_REQUEST", nil},
		{"not JSON content", "POST", path, reader, docCustomerDetailsRequest, []string{"Content-Type", "text/plain"}, 415, "415", "UNSUPPORTED_MEDIA_TYPE", nil},
		{"malformed JSON", "POST", path, reader, `{"countryCode":"SE",`, nil, 400, invalid, "INVALID_VALUE", nil},
		{"not an object", "POST", path, reader, `[]`, nil, 400, invalid, "INVALID_VALUE", nil},
		{"too large", "POST", path, reader, `{"countryCode":"` + strings.Repeat("S", 1<<20) + `"}`, nil, 413, "413", "REQUEST_TOO_LARGE", nil},
		{"empty object", "POST", path, reader, `{}`, nil, 400, missing, "PARAMETER_NOT_FOUND_IN_REQUEST", []string{"countryCode", "values"}},
		{"countryCode null", "POST", path, reader, `{"countryCode":null,"values":[` + fn(`"19121212-1212"`) + `]}`, nil, 400, missing, "PARAMETER_NOT_FOUND_IN_REQUEST", []string{"countryCode"}},
		{"countryCode not ISO", "POST", path, reader, `{"countryCode":"XX","values":[` + fn(`"19121212-1212"`) + `]}`, nil, 400, invalid, "INVALID_VALUE", []string{"countryCode"}},
		{"countryCode alpha-3", "POST", path, reader, `{"countryCode":"SWE","values":[` + fn(`"19121212-1212"`) + `]}`, nil, 400, invalid, "INVALID_VALUE", []string{"countryCode"}},
		{"countryCode a number", "POST", path, reader, `{"countryCode":46,"values":[` + fn(`"19121212-1212"`) + `]}`, nil, 400, invalid, "INVALID_VALUE", []string{"countryCode"}},
		{"country the product does not serve", "POST", path, reader, `{"countryCode":"NO","values":[` + fn(`"15108695088"`) + `]}`, nil, 400, invalid, "INVALID_VALUE", []string{"countryCode"}},
		{"values empty", "POST", path, reader, se(`[]`), nil, 400, missing, "PARAMETER_NOT_FOUND_IN_REQUEST", []string{"values"}},
		{"values not a list", "POST", path, reader, se(`{"fiscalNumber":"19121212-1212"}`), nil, 400, invalid, "INVALID_VALUE", []string{"values"}},
		{"too many values", "POST", path, reader, se(`[` + strings.Repeat(fn(`"1"`)+`,`, 10) + fn(`"1"`) + `]`), nil, 400, invalid, "INVALID_VALUE", []string{"values"}},
		{"item not an object", "POST", path, reader, se(`[1]`), nil, 400, "", "", []string{"values[1]"}}, // reported once, by what is wrong with it (TestUnreadableObjectIsNotMissing)
		{"value missing", "POST", path, reader, se(`[{"key":"fiscalNumber"}]`), nil, 400, missing, "PARAMETER_NOT_FOUND_IN_REQUEST", []string{"values[1].value"}},
		{"value empty", "POST", path, reader, se(`[` + fn(`"  "`) + `]`), nil, 400, missing, "PARAMETER_NOT_FOUND_IN_REQUEST", []string{"values[1].value"}},
		{"value a number", "POST", path, reader, se(`[` + fn(`191212121212`) + `]`), nil, 400, invalid, "INVALID_VALUE", []string{"values[1].value"}},
		{"value too long", "POST", path, reader, se(`[` + fn(`"`+strings.Repeat("1", 65)+`"`) + `]`), nil, 400, invalid, "INVALID_VALUE", []string{"values[1].value"}},
		{"key missing", "POST", path, reader, se(`[{"value":"19121212-1212"}]`), nil, 400, missing, "PARAMETER_NOT_FOUND_IN_REQUEST", []string{"values[1].key", "values[key='fiscalNumber'].value"}},
		{"unknown key", "POST", path, reader, se(`[{"key":"ssn","value":"19121212-1212"}]`), nil, 400, "", "", []string{"values[1].key", "values[key='fiscalNumber'].value"}},
		{"key in another case", "POST", path, reader, se(`[{"key":"FiscalNumber","value":"19121212-1212"}]`), nil, 400, "", "", []string{"values[1].key", "values[key='fiscalNumber'].value"}},
		{"key twice", "POST", path, reader, se(`[` + fn(`"19121212-1212"`) + `,` + fn(`"19121212-1212"`) + `]`), nil, 400, invalid, "INVALID_VALUE", []string{"values[2].key"}},
		{"unexpected property", "POST", path, reader, `{"countryCode":"SE","values":[` + fn(`"19121212-1212"`) + `],"merchantReference":"x"}`, nil, 400, invalid, "INVALID_VALUE", []string{"merchantReference"}},
		{"unexpected item property", "POST", path, reader, se(`[{"key":"fiscalNumber","value":"19121212-1212","label":"x"}]`), nil, 400, invalid, "INVALID_VALUE", []string{"values[1].label"}},
		{"duplicate property", "POST", path, reader, `{"countryCode":"SE","COUNTRYCODE":"SE","values":[]}`, nil, 400, invalid, "INVALID_VALUE", []string{"COUNTRYCODE"}},
		{"every problem at once", "POST", path, reader, `{"countryCode":"XX","values":[{"key":1},{"value":"x","a":1}],"b":2}`, nil, 400, "", "",
			[]string{"countryCode", "values[1].key", "values[1].value", "values[2].key", "values[2].a", "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.do(t, tt.method, tt.path, tt.token, tt.body, tt.headers...)
			assertConnectError(t, r, tt.status, tt.code, tt.id, tt.props...)
			switch tt.status {
			case http.StatusUnauthorized:
				if !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer") {
					t.Errorf("401 without WWW-Authenticate: %v", r.Header)
				}
			case http.StatusMethodNotAllowed:
				if r.Header.Get("Allow") != "POST" {
					t.Errorf("405 with Allow %q", r.Header.Get("Allow"))
				}
			}
		})
	}

	// The kinds of the mixed answers.
	r := c.post(t, path, reader, se(`[{"key":"ssn","value":"19121212-1212"}]`))
	b := assertConnectError(t, r, 400, "", "", "values[1].key", "values[key='fiscalNumber'].value")
	kinds := map[string]string{}
	for _, e := range b.Errors {
		kinds[e.PropertyName] = e.Code + " " + e.ID
	}
	if kinds["values[1].key"] != "1099 INVALID_VALUE" || kinds["values[key='fiscalNumber'].value"] != "20000000 PARAMETER_NOT_FOUND_IN_REQUEST" {
		t.Errorf("kinds %v", kinds)
	}
	// Messages never echo submitted values.
	for _, body := range []string{se(`[{"key":"Tolvan Tolvansson","value":"19121212-1212"}]`), `{"countryCode":"Tolvan","values":[]}`} {
		if r := c.post(t, path, reader, body); strings.Contains(string(r.Body), "Tolvan") {
			t.Errorf("an error echoes a submitted value: %s", r)
		}
	}
	// An unknown merchant and one the token may not use are answered alike.
	unknown := c.post(t, connectPath("4242", "9000"), otherLedger, docCustomerDetailsRequest)
	hidden := c.post(t, connectPath("1000", "9000"), otherLedger, docCustomerDetailsRequest)
	if a, b := withoutIDs(t, unknown), withoutIDs(t, hidden); a != b {
		t.Errorf("an unknown merchant and a forbidden one differ:\n%s\n%s", a, b)
	}
	// A lower-case countryCode is accepted (as everywhere in this service).
	expectStatus(t, c.post(t, path, reader, lookupBody("se", tolvan)), http.StatusOK)
	// The requestId is the request's own: two requests, two ids; every errorId is unique.
	a, b2 := checkConnectError(t, c.post(t, path, reader, `{}`)), checkConnectError(t, c.post(t, path, reader, `{}`))
	if a.Errors[0].RequestID == b2.Errors[0].RequestID {
		t.Errorf("two requests share requestId %s", a.Errors[0].RequestID)
	}

	// Malformed input, refused before the look-up, records nothing.
	s.stop(t)
	if n := len(lookupEvents(t, s.dir, "1000/lookups/unmatched")); n != 0 {
		t.Errorf("%d unmatched look-ups recorded for invalid requests", n)
	}
}

// TestE2EConnectWithheldCustomers: a protected-identity customer and a deceased one are answered
// exactly like a fiscal number nobody holds; the look-up is recorded as withheld.
func TestE2EConnectWithheldCustomers(t *testing.T) {
	s := startServer(t)
	c := newConnectClient(s)
	path := connectPath("1000", "9000")
	protected := gustav("5001", tolvan)
	protected["protectedIdentity"] = true
	s.createCustomer(t, s.token, protected)
	s.createCustomer(t, s.token, gustav("5002", "19850709-1232"))

	nobody := c.post(t, path, s.token, lookupBody("SE", unregisteredPersonnummer))
	assertConnectError(t, nobody, http.StatusBadRequest, "1214", "CUSTOMER_DETAILS_NOT_FOUND")
	r := c.post(t, path, s.token, lookupBody("SE", tolvan))
	if a, b := withoutIDs(t, nobody), withoutIDs(t, r); a != b {
		t.Errorf("a protected identity is answered unlike nobody:\n%s\n%s", a, b)
	}
	// Lifting the protection discloses the customer again.
	expectStatus(t, s.do(t, http.MethodPatch, customersPath(demoLedger, "5001"), s.token, `{"protectedIdentity": false}`), http.StatusOK)
	expectStatus(t, c.post(t, path, s.token, lookupBody("SE", tolvan)), http.StatusOK)

	expectStatus(t, c.post(t, path, s.token, lookupBody("SE", "19850709-1232")), http.StatusOK)
	expectStatus(t, s.do(t, http.MethodPatch, customersPath(demoLedger, "5002"), s.token, `{"legalStatus": "deceased"}`), http.StatusOK)
	r = c.post(t, path, s.token, lookupBody("SE", "850709-1232"))
	if a, b := withoutIDs(t, nobody), withoutIDs(t, r); a != b {
		t.Errorf("a deceased customer is answered unlike nobody:\n%s\n%s", a, b)
	}

	s.stop(t)
	results := func(stream string) []any {
		var out []any
		for _, e := range lookupEvents(t, s.dir, stream) {
			out = append(out, e["result"])
		}
		return out
	}
	if got := results("1000/lookups/5001"); !reflect.DeepEqual(got, []any{"withheld", "found"}) {
		t.Errorf("look-ups of the protected customer: %v", got)
	}
	if got := results("1000/lookups/5002"); !reflect.DeepEqual(got, []any{"found", "withheld"}) {
		t.Errorf("look-ups of the deceased customer: %v", got)
	}
	if got := results("1000/lookups/unmatched"); !reflect.DeepEqual(got, []any{"not-found"}) {
		t.Errorf("unmatched look-ups: %v", got)
	}
}

// TestE2EConnectOtherMerchantsLedger: a merchant looks up only in its own ledger; a token for
// another ledger learns nothing of a merchant, not even that it exists.
func TestE2EConnectOtherMerchantsLedger(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "ledgers.json")
	product := `{"9000": {"countries": {"SE": {"lookupKeys": ["fiscalNumber"]}}}}`
	if err := os.WriteFile(cfg, []byte(`{"ledgers": [{"ledgerNo": "1000", "countryCode": "SE"}, {"ledgerNo": "2000", "countryCode": "SE"}],
		"merchants": {"m-1000": {"ledgerNo": "1000", "products": `+product+`}, "m-2000": {"ledgerNo": "2000", "products": `+product+`}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startServer(t, withConfig(cfg))
	c := newConnectClient(s)
	s.createCustomer(t, s.token, gustav("9999", tolvan))
	only1000 := s.mint(t, "shop-1000", []string{"1000"}, auth.ScopeCustomerRead)
	only2000 := s.mint(t, "shop-2000", []string{"2000"}, auth.ScopeCustomerRead)

	expectStatus(t, c.post(t, connectPath("m-1000", "9000"), only1000, lookupBody("SE", tolvan)), http.StatusOK)
	// The customer is in ledger 1000: merchant m-2000 (ledger 2000) does not find it, whatever
	// the token may see.
	for _, tok := range []string{only2000, s.token} {
		assertConnectError(t, c.post(t, connectPath("m-2000", "9000"), tok, lookupBody("SE", tolvan)), http.StatusBadRequest, "1214", "CUSTOMER_DETAILS_NOT_FOUND")
	}
	// A token for ledger 2000 gets the unknown-merchant answer for m-1000.
	hidden := c.post(t, connectPath("m-1000", "9000"), only2000, lookupBody("SE", tolvan))
	unknown := c.post(t, connectPath("m-3000", "9000"), only2000, lookupBody("SE", tolvan))
	assertConnectError(t, hidden, http.StatusNotFound, "9007", "ACCESS_TO_MERCHANT_NOT_ALLOWED")
	if a, b := withoutIDs(t, hidden), withoutIDs(t, unknown); a != b {
		t.Errorf("another ledger's merchant is answered unlike an unknown one:\n%s\n%s", a, b)
	}
	// The default demo merchant is not configured by this file.
	assertConnectError(t, c.post(t, connectPath("1000", "9000"), s.token, lookupBody("SE", tolvan)), http.StatusNotFound, "9007", "ACCESS_TO_MERCHANT_NOT_ALLOWED")

	s.stop(t)
	if got := lookupEvents(t, s.dir, "1000/lookups/9999"); len(got) != 1 || got[0]["merchantId"] != "m-1000" || got[0]["@actor"] != "shop-1000" {
		t.Errorf("ledger 1000's look-ups: %v", got)
	}
	got := lookupEvents(t, s.dir, "2000/lookups/unmatched")
	if len(got) != 2 {
		t.Fatalf("ledger 2000's unmatched look-ups: %v", got)
	}
	for _, e := range got {
		if e["merchantId"] != "m-2000" || e["result"] != "not-found" {
			t.Errorf("ledger 2000's unmatched look-up %v", e)
		}
	}
	if n := len(lookupEvents(t, s.dir, "1000/lookups/unmatched")); n != 0 {
		t.Errorf("refused look-ups were recorded: %d", n)
	}
}
