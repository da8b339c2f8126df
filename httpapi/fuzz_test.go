package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
)

// FuzzDecodeCustomer sends arbitrary bodies to every write route: the answer is never a 5xx.
func FuzzDecodeCustomer(f *testing.F) {
	for _, seed := range []string{
		validCustomer, `{}`, `[]`, `null`, `{"customerNo":null}`, `{"name":{"a":1}}`, `{"legalAddress":[]}`,
		`{"eDIAddressInfo":{"VAN":1}}`, `{"a":1,"A":2}`, "\xef\xbb\xbf{}", `{"emailAddress":"a@b.c","msisdn":null}`,
		`{"nationalIdentifier":{"regNo":"121212-1212","countryCode":"se"}}`, `{"customerNo":"1"} x`, "\xff",
		`{"amount":1e3}`, `{"balance":"10.00","currency":"sek"}`, `{"swedishBankAccount":{"accountNo":"3300-1010101010","accountType":"bkse"}}`,
		`{"answers":[{"questionCode":"multiple_citizenship","answerCode":"yes"},{"questionCode":"citizen_ship_country_codes","answerCode":"SWE"}]}`,
		`{"answers":[{"questionCode":"occupation","answerCode":"Snickare"},1,{"a":1,"A":2}]}`, `{"answers":{}}`,
		`{"addressee":"A","city":"OSLO","zipCode":"01540","countryCode":"no"}`, `{"addressee":"A","city":"C","zipCode":"111 22","countryCode":"SE"}`,
	} {
		f.Add(seed)
	}
	h := newHarness(f)
	if code, body := h.do(http.MethodPost, "/ledger/customer/v1/1000/customers", "application/json", validCustomer); code != http.StatusCreated {
		f.Fatalf("seed customer: %d %s", code, body)
	}
	if code, body := h.do(http.MethodPost, "/ledger/customer/v1/1000/customers/9999/surpluses", "application/json",
		`{"surplusId":"s1","balance":10.00,"currency":"SEK"}`); code != http.StatusCreated {
		f.Fatalf("seed surplus: %d %s", code, body)
	}
	f.Fuzz(func(t *testing.T, body string) {
		h.t = t
		for _, r := range []struct{ method, path string }{
			{http.MethodPost, "/ledger/customer/v1/1000/customers"},
			{http.MethodPatch, "/ledger/customer/v1/1000/customers/9999"},
			{http.MethodPut, "/ledger/customer/v1/1000/customers/9999/legal-address"},
			{http.MethodPost, "/ledger/customer/v1/1000/customers/9999/billing-address"},
			{http.MethodPost, "/ledger/customer/v1/1000/find-customer"},
			{http.MethodPost, "/ledger/customer/v1/1000/customers/9999/surpluses"},
			{http.MethodPost, "/ledger/customer/v1/1000/customers/9999/surpluses/s1/active-disbursement-orders"},
			{http.MethodPost, "/ledger/customer/v1/1000/customers/9999/surpluses/s1/settle"},
			{http.MethodPost, "/ledger/customer/v1/1000/customers/9999/update-kyc-answers"},
		} {
			code, resp := h.do(r.method, r.path, "application/json", body)
			if code >= 500 {
				t.Fatalf("%s %s with %q: %d %s", r.method, r.path, body, code, resp)
			}
			if code >= 400 && !strings.Contains(resp, `"type":"ledger/customer/v1/problems/`) {
				t.Fatalf("%s %s: %d without a problem body: %s", r.method, r.path, code, resp)
			}
		}
	})
}
