package main

// Every example request of the PayEx document's customer, legal-address, billing-address and
// find-customer sections, sent verbatim (testdata/doc holds them as printed), against the real
// program; the responses are compared with the document's example responses.

import (
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestE2EDocumentExamplesAreVerbatim checks that testdata/doc holds the document's examples as
// printed (when the document is available).
func TestE2EDocumentExamplesAreVerbatim(t *testing.T) {
	// shared/ sits beside the repository (in development and in CI).
	path := os.Getenv("LEDGER_SEED_DOC")
	if path == "" {
		path = "../../../shared/seeds/001_edc8e0cf33ea7538.txt"
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("the seed document is not available (set LEDGER_SEED_DOC): %v", err)
	}
	// The stored document numbers its lines ("291 {"); strip the numbers.
	num := regexp.MustCompile(`^[0-9]+ ?`)
	var doc []string
	for _, l := range strings.Split(string(raw), "\n") {
		if num.MatchString(l) {
			doc = append(doc, num.ReplaceAllString(l, ""))
		}
	}
	text := strings.Join(doc, "\n") + "\n"
	files, err := filepath.Glob(filepath.Join("testdata", "doc", "*.http"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples in testdata/doc: %v", err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(text, string(data)) {
			t.Errorf("%s is not a verbatim copy of an example of the document", f)
		}
	}
}

// customerOps are the customer's operations with every scope.
func customerOps(ledgerNo, no string) (patch, addBilling operation) {
	self := customersPath(ledgerNo, no)
	return operation{"partial-update-customer", http.MethodPatch, self},
		operation{"add-billing-address", http.MethodPost, self + "/billing-address"}
}

func TestE2EDocumentExamples(t *testing.T) {
	for _, entity := range []string{"consumer", "business"} {
		t.Run(entity, func(t *testing.T) {
			t.Run("standard-create-then-every-operation", func(t *testing.T) { docStandardFlow(t, entity) })
			t.Run("create-with-billing-address", func(t *testing.T) { docCreateWithBillingFlow(t, entity) })
		})
	}
}

// docStandardFlow: create (standard) → GET → $expand → legal address → billing address
// POST/GET/PUT → PATCH examples → legal address PUT → billing address DELETE → find-customer.
func docStandardFlow(t *testing.T, entity string) {
	s := startServer(t)
	v := defaultVars(s.token, entity)
	no := v.CustomerNo
	self := customersPath(demoLedger, no)
	opPatch, opAddBilling := customerOps(demoLedger, no)

	// Create.
	r := s.sendDocRequest(t, "create-customer.http", v)
	wantStatus, want := docResponse(t, "create-customer.response.http", v)
	if r.Status != wantStatus {
		t.Fatalf("create: %s; want %d", r, wantStatus)
	}
	want["customerNo"] = strings.TrimSpace(want["customerNo"].(string)) // the document's " 9999" is a typo (SPEC §4)
	got := r.object(t)
	assertContainsJSON(t, "create response", want, got)
	if loc := r.Header.Get("Location"); loc != self {
		t.Errorf("create: Location %q, want %q", loc, self)
	}

	// GET right after create: everything the create sent, in the document's casing; no billing
	// address, so add-billing-address is offered.
	r = s.sendDocRequest(t, "get-customer.http", v)
	expectStatus(t, r, http.StatusOK)
	if r.Header.Get("ETag") == "" {
		t.Errorf("GET customer: no ETag")
	}
	_, want = docResponse(t, "get-customer.response.http", v)
	setPath(t, want, "eDIAddressInfo.BuyerId", "123456", false) // the document's 123465 is a typo: the create example sends 123456
	setPath(t, want, "activeConsents", []any{}, false)          // derived from consent events; this customer has none
	setPath(t, want, "billingAddress", nil, true)               // none yet
	setPath(t, want, "preferredLanguageCode", nil, true)        // not sent on create
	setPath(t, want, "operations", nil, true)                   // checked below
	want["distributionType"] = "postal"
	want["taxIdentificationNumber"] = "123456789"
	got = r.object(t)
	assertContainsJSON(t, "GET customer after create", want, got)
	if _, ok := got["billingAddress"]; ok {
		t.Errorf("GET customer: billingAddress %v present although the customer has none", got["billingAddress"])
	}
	assertOperations(t, "GET customer without billing address", operationsAt(t, got, "operations"), []operation{opPatch, opAddBilling})

	// GET with $expand: the legal address object with its operations; still no billing address.
	r = s.sendDocRequest(t, "get-customer-expand.http", v)
	expectStatus(t, r, http.StatusOK)
	_, wantExp := docResponse(t, "get-customer-expand.response.http", v)
	got = r.object(t)
	legalWant := wantExp["legalAddress"].(map[string]any)
	delete(legalWant, "operations")
	assertContainsJSON(t, "GET $expand legalAddress", legalWant, got["legalAddress"])
	assertOperations(t, "GET $expand legalAddress", operationsAt(t, got, "legalAddress.operations"),
		[]operation{{"update", http.MethodPut, self + "/legal-address"}})
	if _, ok := got["billingAddress"]; ok {
		t.Errorf("GET $expand: billingAddress %v present although the customer has none", got["billingAddress"])
	}
	assertOperations(t, "GET $expand without billing address", operationsAt(t, got, "operations"), []operation{opPatch, opAddBilling})

	// Legal address.
	r = s.sendDocRequest(t, "get-legal-address.http", v)
	expectStatus(t, r, http.StatusOK)
	_, want = docResponse(t, "get-legal-address.response.http", v)
	delete(want, "operations")
	got = r.object(t)
	assertContainsJSON(t, "GET legal-address", want, got)
	assertOperations(t, "GET legal-address", operationsAt(t, got, "operations"), []operation{{"update", http.MethodPut, self + "/legal-address"}})

	// Billing address: none yet, then the POST example.
	r = s.sendDocRequest(t, "get-billing-address.http", v)
	assertProblem(t, r, http.StatusNotFound, "billing-address-does-not-exists")
	r = s.sendDocRequest(t, "post-billing-address.http", v)
	if r.Status != http.StatusCreated {
		t.Fatalf("POST billing-address: %s; want 201", r)
	}
	r = s.sendDocRequest(t, "get-billing-address.http", v)
	expectStatus(t, r, http.StatusOK)
	wantStatus, want = docResponse(t, "get-billing-address.response.http", v)
	if r.Status != wantStatus {
		t.Errorf("GET billing-address: %d, want %d", r.Status, wantStatus)
	}
	delete(want, "coAddress") // the document's response shows a coAddress its POST example never sent
	got = r.object(t)
	assertContainsJSON(t, "GET billing-address", want, got)
	if _, ok := got["coAddress"]; ok {
		t.Errorf("GET billing-address: coAddress %v, but none was sent", got["coAddress"])
	}

	// PATCH: update all properties.
	r = s.sendDocRequest(t, "patch-all-properties.http", v)
	expectStatus(t, r, http.StatusOK, http.StatusNoContent)

	// Now the customer has every property of the document's GET example.
	r = s.sendDocRequest(t, "get-customer.http", v)
	expectStatus(t, r, http.StatusOK)
	wantStatus, want = docResponse(t, "get-customer.response.http", v)
	if r.Status != wantStatus {
		t.Errorf("GET customer: %d, want %d", r.Status, wantStatus)
	}
	setPath(t, want, "eDIAddressInfo.BuyerId", "123456", false) // typo in the document (see above)
	setPath(t, want, "activeConsents", []any{}, false)
	setPath(t, want, "operations", nil, true)
	want["taxIdentificationNumber"] = "987654321"
	want["distributionType"] = "postal"
	got = r.object(t)
	assertContainsJSON(t, "GET customer after PATCH", want, got)
	assertOperations(t, "GET customer with billing address", operationsAt(t, got, "operations"), []operation{opPatch}, "add-billing-address")
	etagAfterPatchAll := r.Header.Get("ETag")

	// $expand with both addresses, compared with the document's example.
	r = s.sendDocRequest(t, "get-customer-expand.http", v)
	expectStatus(t, r, http.StatusOK)
	_, want = docResponse(t, "get-customer-expand.response.http", v)
	setPath(t, want, "activeConsents", []any{}, false)
	setPath(t, want, "billingAddress.countryCode", "SE", false) // SPEC §4: upper-case out
	setPath(t, want, "operations", nil, true)                   // the document offers add-billing-address next to a billing address; SPEC §2 does not
	setPath(t, want, "legalAddress.operations", nil, true)      // checked below
	want["taxIdentificationNumber"] = "987654321"
	want["distributionType"] = "postal"
	got = r.object(t)
	assertContainsJSON(t, "GET $expand with both addresses", want, got)
	assertOperations(t, "GET $expand with billing address", operationsAt(t, got, "operations"), []operation{opPatch}, "add-billing-address")
	_, docExp := docResponse(t, "get-customer-expand.response.http", v)
	billingOps := operationsAt(t, docExp, "billingAddress.operations")
	assertOperations(t, "GET $expand billingAddress", operationsAt(t, got, "billingAddress.operations"), billingOps)
	assertOperations(t, "GET $expand legalAddress", operationsAt(t, got, "legalAddress.operations"),
		[]operation{{"update", http.MethodPut, self + "/legal-address"}})
	// $expand is case-insensitive, and one of the two may be asked for.
	r = s.do(t, http.MethodGet, self+"?$EXPAND=LegalAddress", s.token, nil)
	expectStatus(t, r, http.StatusOK)
	got = r.object(t)
	if _, ok := got["legalAddress"].(map[string]any); !ok {
		t.Errorf("$EXPAND=LegalAddress: legalAddress is %s, want the object", show(got["legalAddress"]))
	}
	if b, ok := got["billingAddress"].(string); !ok || b != self+"/billing-address" {
		t.Errorf("$EXPAND=LegalAddress: billingAddress is %s, want the link", show(got["billingAddress"]))
	}

	// PATCH: only emailAddress, to the value it already has: no change, no new version.
	r = s.sendDocRequest(t, "patch-email.http", v)
	expectStatus(t, r, http.StatusOK, http.StatusNoContent)
	r = s.sendDocRequest(t, "get-customer.http", v)
	if tag := r.Header.Get("ETag"); tag != etagAfterPatchAll {
		t.Errorf("a PATCH that changes nothing changed the ETag from %s to %s", etagAfterPatchAll, tag)
	}

	// PATCH: emailAddress and "msisdn": null removes msisdn.
	r = s.sendDocRequest(t, "patch-email-delete-msisdn.http", v)
	expectStatus(t, r, http.StatusOK, http.StatusNoContent)
	r = s.sendDocRequest(t, "get-customer.http", v)
	got = r.object(t)
	if m, ok := got["msisdn"]; ok && m != nil {
		t.Errorf("after \"msisdn\": null: msisdn is %s", show(m))
	}
	if got["emailAddress"] != "britt@axelstopp.com" {
		t.Errorf("after the PATCH: emailAddress %s", show(got["emailAddress"]))
	}
	if _, ok := got["eDIAddressInfo"].(map[string]any); !ok {
		t.Errorf("eDIAddressInfo lost by a PATCH that did not name it: %s", show(got["eDIAddressInfo"]))
	}

	// PATCH: "eDIAddressInfo": null removes it.
	r = s.sendDocRequest(t, "patch-remove-edi.http", v)
	expectStatus(t, r, http.StatusOK, http.StatusNoContent)
	r = s.sendDocRequest(t, "get-customer.http", v)
	got = r.object(t)
	if e, ok := got["eDIAddressInfo"]; ok && e != nil {
		t.Errorf("after \"eDIAddressInfo\": null: eDIAddressInfo is %s", show(e))
	}
	if got["taxIdentificationNumber"] != "987654321" || got["preferredLanguageCode"] != "SV" {
		t.Errorf("a PATCH of eDIAddressInfo changed other properties: %s", r.Body)
	}

	// Legal address: replace.
	r = s.sendDocRequest(t, "put-legal-address.http", v)
	expectStatus(t, r, http.StatusOK, http.StatusNoContent)
	r = s.sendDocRequest(t, "get-legal-address.http", v)
	expectStatus(t, r, http.StatusOK)
	assertContainsJSON(t, "legal address after PUT", map[string]any{
		"addressee": "Kalle Axelstopp", "streetAddress": "Axelgatan 18", "city": "STOCKHOLM", "zipCode": "16872", "countryCode": "SE",
	}, r.object(t))
	if co, ok := r.object(t)["coAddress"]; ok && co != nil {
		t.Errorf("PUT replaces the legal address, but coAddress %s survived", show(co))
	}

	// Billing address: replace, then delete with the document's "{ }" body.
	r = s.sendDocRequest(t, "put-billing-address.http", v)
	expectStatus(t, r, http.StatusOK, http.StatusNoContent)
	r = s.sendDocRequest(t, "delete-billing-address.http", v)
	if r.Status != http.StatusNoContent || len(r.Body) != 0 {
		t.Errorf("DELETE billing-address: %s; want 204 without a body", r)
	}
	r = s.sendDocRequest(t, "get-billing-address.http", v)
	assertProblem(t, r, http.StatusNotFound, "billing-address-does-not-exists")
	r = s.sendDocRequest(t, "get-customer.http", v)
	got = r.object(t)
	if _, ok := got["billingAddress"]; ok {
		t.Errorf("billingAddress %s after DELETE", show(got["billingAddress"]))
	}
	assertOperations(t, "GET customer after DELETE billing-address", operationsAt(t, got, "operations"), []operation{opPatch, opAddBilling})

	// Find customer: the document's example, and the same person in the other two forms.
	r = s.sendDocRequest(t, "find-customer.http", v)
	wantStatus, want = docResponse(t, "find-customer.response.http", v)
	if r.Status != wantStatus {
		t.Fatalf("find-customer: %s; want %d", r, wantStatus)
	}
	want["customerNo"] = strings.TrimSpace(want["customerNo"].(string)) // " 9999" is a typo
	assertContainsJSON(t, "find-customer", want, r.object(t))
	for _, regNo := range []string{"191212121212", "121212-1212", " 19121212-1212 "} {
		vv := v
		vv.RegNo = regNo
		r = s.sendDocRequest(t, "find-customer.http", vv)
		if r.Status != http.StatusOK {
			t.Errorf("find-customer by %q: %s", regNo, r)
			continue
		}
		assertContainsJSON(t, "find-customer by "+regNo, want, r.object(t))
	}
	vv := v
	vv.RegNo = unregisteredPersonnummer
	r = s.sendDocRequest(t, "find-customer.http", vv)
	assertProblem(t, r, http.StatusNotFound, "customer-not-found")
}

// docCreateWithBillingFlow: the second create example, on a fresh service (both examples use
// customer 9999 and the same national identifier).
func docCreateWithBillingFlow(t *testing.T, entity string) {
	s := startServer(t)
	v := defaultVars(s.token, entity)
	self := customersPath(demoLedger, v.CustomerNo)
	opPatch, _ := customerOps(demoLedger, v.CustomerNo)

	r := s.sendDocRequest(t, "create-customer-with-billing-address.http", v)
	wantStatus, want := docResponse(t, "create-customer-with-billing-address.response.http", v)
	if r.Status != wantStatus {
		t.Fatalf("create with billing address: %s; want %d", r, wantStatus)
	}
	want["customerNo"] = strings.TrimSpace(want["customerNo"].(string))
	assertContainsJSON(t, "create response", want, r.object(t))
	if loc := r.Header.Get("Location"); loc != self {
		t.Errorf("Location %q, want %q", loc, self)
	}

	r = s.sendDocRequest(t, "get-customer-expand.http", v)
	expectStatus(t, r, http.StatusOK)
	_, want = docResponse(t, "get-customer-expand.response.http", v)
	setPath(t, want, "activeConsents", []any{}, false)
	setPath(t, want, "billingAddress.countryCode", "SE", false)
	setPath(t, want, "preferredLanguageCode", nil, true) // not sent on create
	setPath(t, want, "operations", nil, true)
	setPath(t, want, "legalAddress.operations", nil, true)
	setPath(t, want, "billingAddress.operations", nil, true)
	got := r.object(t)
	assertContainsJSON(t, "GET $expand after create with billing address", want, got)
	assertOperations(t, "GET $expand", operationsAt(t, got, "operations"), []operation{opPatch}, "add-billing-address")
	if got["legalEntity"] != entity {
		t.Errorf("legalEntity %s, want %q", show(got["legalEntity"]), entity)
	}

	r = s.sendDocRequest(t, "get-billing-address.http", v)
	expectStatus(t, r, http.StatusOK)
	_, want = docResponse(t, "get-billing-address.response.http", v)
	delete(want, "coAddress") // not in the create example's billing address
	assertContainsJSON(t, "GET billing-address", want, r.object(t))

	// The billing address exists, so POST is a conflict.
	r = s.sendDocRequest(t, "post-billing-address.http", v)
	assertProblem(t, r, http.StatusConflict, "conflict")
}
