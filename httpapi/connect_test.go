package httpapi_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/nordledger/ledger/httpapi"
)

const connectPath = "/client/v1/1000/products/9000/customerDetails"

// FuzzConnectCustomerDetails sends arbitrary bodies to the Connect look-up: the answer is never
// a 5xx, and every error is Connect's ErrorResponse.
func FuzzConnectCustomerDetails(f *testing.F) {
	for _, seed := range []string{
		`{"countryCode":"SE","values":[{"key":"fiscalNumber","value":"012345678901"}]}`,
		`{"countryCode":"SE","values":[{"key":"fiscalNumber","value":"121212-1212"}]}`,
		`{}`, `[]`, `null`, `{"countryCode":null}`, `{"values":[null]}`, `{"values":[[]]}`, `{"values":{"a":1}}`,
		`{"countryCode":"SE","values":[{"key":"fiscalNumber","value":"19121212+1212"}]}`,
		`{"countryCode":"se","values":[{"KEY":"fiscalNumber","Value":"191212121212"}]}`,
		`{"countryCode":"SE","values":[{"key":"fiscalNumber","value":"1","key":"x"}]}`, "\xff", `{"a":1,"A":2}`,
	} {
		f.Add(seed)
	}
	h := newHarness(f)
	if code, body := h.do(http.MethodPost, "/ledger/customer/v1/1000/customers", "application/json", validCustomer); code != http.StatusCreated {
		f.Fatalf("seed customer: %d %s", code, body)
	}
	f.Fuzz(func(t *testing.T, body string) {
		h.t = t
		code, resp := h.do(http.MethodPost, connectPath, "application/json", body)
		if code >= 500 {
			t.Fatalf("%q: %d %s", body, code, resp)
		}
		if code >= 400 && !strings.Contains(resp, `"errorId"`) {
			t.Fatalf("%q: %d without an ErrorResponse: %s", body, code, resp)
		}
		if code == http.StatusOK && !json.Valid([]byte(resp)) {
			t.Fatalf("%q: 200 with %s", body, resp)
		}
	})
}

func TestConnectMerchantsNeedALedgerAndARecorder(t *testing.T) {
	cfg := httpapi.Config{Ledgers: ledgerMap{"1000": {LedgerNo: "1000"}}, Merchants: map[string]httpapi.ConnectMerchant{
		"m": {LedgerNo: "2000", Products: map[string]httpapi.ConnectProduct{"9000": {Countries: map[string][]string{"SE": {"email"}}}}},
	}}
	err := cfg.Validate()
	for _, want := range []string{"Lookups is required", `merchant m: ledger "2000" is not configured`, `lookup key "email" is not supported`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate = %v; want a mention of %s", err, want)
		}
	}
}
