package httpapi_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"
)

// TestUnreadableObjectIsNotMissing: a nested object that was sent but cannot be read — it holds
// a property twice (in two cases), or is not an object — is reported once, by what is wrong with
// it, and not also as missing: before, the decoder's problem came with the domain's "legalAddress
// is required", "nationalIdentifier is required", "swedishSus.nationalIdentifier is required" or
// "one of norwegianBankAccount, ... is required" (named body), each untrue — the property was
// there. The request is refused (400) and changes nothing, as before. The Connect look-up, the
// same: a values item with a property twice is not also "the payment product needs the lookup
// key fiscalNumber" (its key may be it).
func TestUnreadableObjectIsNotMissing(t *testing.T) {
	h := newRouteHarness(t)
	h.t = t
	const base = "/ledger/customer/v1/1000"
	const sus = `"address":{"addressee":"x","city":"y","zipCode":"15961","countryCode":"SE"}`
	for _, tt := range []struct {
		method, path, body string
		want               []string // the problems' names, in order
	}{
		{http.MethodPost, base + "/customers", `{"customerNo":"777","name":"x","legalAddress":{"addressee":"x","city":"y","CITY":"z","zipCode":"15961","countryCode":"SE"}}`,
			[]string{"legalAddress.CITY"}},
		{http.MethodPost, base + "/find-customer", `{"nationalIdentifier":{"regNo":"19121212-1212","countryCode":"SE","countrycode":"NO"}}`,
			[]string{"nationalIdentifier.countrycode"}},
		{http.MethodPost, base + "/customers/9999/surpluses/s2/active-disbursement-orders", `{"norwegianBankAccount":{"accountNo":"86011117947","ACCOUNTNO":"1"}}`,
			[]string{"norwegianBankAccount.ACCOUNTNO"}},
		{http.MethodPost, base + "/customers/9999/surpluses/s2/active-disbursement-orders", `{"norwegianBankAccount":5}`,
			[]string{"norwegianBankAccount"}},
		{http.MethodPost, base + "/customers/9999/surpluses/s2/active-disbursement-orders", `{"swedishSus":{"nationalIdentifier":{"regNo":"19121212-1212","countryCode":"SE","COUNTRYCODE":"SE"},` + sus + `}}`,
			[]string{"swedishSus.nationalIdentifier.COUNTRYCODE"}},
	} {
		before := h.state(t)
		r := h.raw(t, tt.method, tt.path, map[string]string{"Content-Type": "application/json"}, []byte(tt.body))
		var p struct{ Problems []struct{ Name string } }
		_ = json.Unmarshal([]byte(r.body), &p)
		var names []string
		for _, x := range p.Problems {
			names = append(names, x.Name)
		}
		if r.code != http.StatusBadRequest || !slices.Equal(names, tt.want) {
			t.Errorf("%s %s %s: %d %s; want 400 with the problems %q", tt.method, tt.path, tt.body, r.code, r.body, tt.want)
		}
		if after := h.state(t); after != before {
			t.Errorf("%s %s changed the customer: %v → %v", tt.method, tt.path, before, after)
		}
	}
	r := h.raw(t, http.MethodPost, "/client/v1/1000/products/9000/customerDetails", map[string]string{"Content-Type": "application/json"},
		[]byte(`{"countryCode":"SE","values":[{"key":"fiscalNumber","value":"19121212-1212","VALUE":"1"}]}`))
	var c struct {
		Errors []struct{ PropertyName string }
	}
	_ = json.Unmarshal([]byte(r.body), &c)
	if r.code != http.StatusBadRequest || len(c.Errors) != 1 || c.Errors[0].PropertyName != "values[1].VALUE" {
		t.Errorf("Connect look-up with a values item holding value twice: %d %s; want 400 with the one error on values[1].VALUE", r.code, r.body)
	}
}
