package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestLookupsReadTheCountryCodeAlike: find-customer and the Connect look-up read a countryCode
// by one rule (domain.CountryCodeInput: surrounding whitespace ignored, any case), so a value
// one of them finds the customer by, the other finds it by too — " SE" was found by
// find-customer and refused by the Connect look-up as "not an ISO 3166-1 alpha-2 code".
func TestLookupsReadTheCountryCodeAlike(t *testing.T) {
	h := newHarness(t)
	if code, body := h.do(http.MethodPost, "/ledger/customer/v1/1000/customers", "application/json", validCustomer); code != http.StatusCreated {
		t.Fatalf("create: %d %s", code, body)
	}
	for _, cc := range []string{"SE", "se", " SE", "SE ", "\tse\n"} {
		q := strings.ReplaceAll(`"`+cc+`"`, "\t", `\t`)
		q = strings.ReplaceAll(q, "\n", `\n`)
		code, body := h.do(http.MethodPost, "/ledger/customer/v1/1000/find-customer", "application/json",
			`{"nationalIdentifier":{"regNo":"19121212-1212","countryCode":`+q+`}}`)
		if code != http.StatusOK || !strings.Contains(body, `"9999"`) {
			t.Errorf("find-customer countryCode %q: %d %s, want customer 9999", cc, code, body)
		}
		code, body = h.do(http.MethodPost, connectPath, "application/json",
			`{"countryCode":`+q+`,"values":[{"key":"fiscalNumber","value":"19121212-1212"}]}`)
		if code != http.StatusOK || !strings.Contains(body, `"Tolvan"`) {
			t.Errorf("Connect look-up countryCode %q: %d %s, want Tolvan's details", cc, code, body)
		}
	}
	// Blank and invalid codes are refused by both.
	for _, cc := range []string{" ", "S E", "SWE", "XX"} {
		code, body := h.do(http.MethodPost, "/ledger/customer/v1/1000/find-customer", "application/json",
			`{"nationalIdentifier":{"regNo":"19121212-1212","countryCode":"`+cc+`"}}`)
		if code != http.StatusBadRequest {
			t.Errorf("find-customer countryCode %q: %d %s, want 400", cc, code, body)
		}
		code, body = h.do(http.MethodPost, connectPath, "application/json",
			`{"countryCode":"`+cc+`","values":[{"key":"fiscalNumber","value":"19121212-1212"}]}`)
		if code != http.StatusBadRequest || !strings.Contains(body, `"countryCode"`) {
			t.Errorf("Connect look-up countryCode %q: %d %s, want 400 naming countryCode", cc, code, body)
		}
		if cc == " " && !strings.Contains(body, "PARAMETER_NOT_FOUND_IN_REQUEST") {
			t.Errorf("Connect look-up with a blank countryCode: %s, want it missing, as find-customer has it required", body)
		}
	}
}
