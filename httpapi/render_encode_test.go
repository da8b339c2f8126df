package httpapi

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/nordledger/ledger/domain"
)

// TestAppendCustomerResourceIsEncoded: the reflection-free writer and encodeJSON write the same
// bytes, for resources with every member present, absent, empty or holding characters JSON
// escapes.
func TestAppendCustomerResourceIsEncoded(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	texts := []string{"", "5560001234", "Åsa Öberg-Ängström", `"quoted" \ back`, "<b>&</b>", "tab\tnew\nline\x01",
		"bad \xff utf8", "\u2028", "/ledger/customer/v1/1000/customers/42", "SE"}
	str := func() string { return texts[rng.IntN(len(texts))] }
	address := func() domain.Address {
		return domain.Address{Addressee: str(), StreetAddress: str(), CoAddress: str(), City: str(), ZipCode: str(), CountryCode: str()}
	}
	ops := func() []Operation {
		switch rng.IntN(3) {
		case 0:
			return nil
		case 1:
			return []Operation{}
		}
		o := make([]Operation, 1+rng.IntN(3))
		for i := range o {
			o[i] = Operation{str(), str(), str()}
		}
		return o
	}
	link := func() any {
		switch rng.IntN(4) {
		case 0:
			return nil
		case 1:
			return str()
		case 2:
			return addressResource{Address: address(), Operations: ops()}
		}
		return map[string]string{"other": "<&>"} // a type the writer hands to encodeJSON
	}
	for i := range 5000 {
		r := customerResource{ID: str(), CustomerNo: str(), VATNo: str(), LegalEntity: str(), Name: str(), EmailAddress: str(),
			ProtectedIdentity: rng.IntN(2) == 0, PreferredLanguageCode: str(), LegalStatus: str(), MSISDN: str(),
			DistributionType: str(), TaxIdentificationNumber: str(), LegalAddress: link(), BillingAddress: link(),
			Surpluses: str(), Operations: ops()}
		if rng.IntN(2) == 0 {
			r.NationalIdentifier = &domain.NationalIdentifier{RegNo: str(), CountryCode: str()}
		}
		if rng.IntN(2) == 0 {
			r.EDIAddressInfo = &ediResource{VAN: str(), InterChangeRecipient: str(), BuyerID: str()}
		}
		switch rng.IntN(3) {
		case 1:
			r.ActiveConsents = []string{}
		case 2:
			r.ActiveConsents = []string{str(), str()}
		}
		var enc bytes.Buffer
		if err := encodeJSON(&enc, r); err != nil {
			t.Fatal(err)
		}
		want := bytes.TrimSuffix(enc.Bytes(), []byte("\n"))
		got, err := appendCustomerResource(nil, &r)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("resource %d:\n got %s\nwant %s", i, got, want)
		}
	}
}

// TestWriteJSONCustomerResource: a customer resource's body is what json.Encoder writes without
// escaping HTML, as every other answer is.
func TestWriteJSONCustomerResource(t *testing.T) {
	r := customerResource{ID: "/ledger/customer/v1/1000/customers/1", CustomerNo: "1", Name: "Åsa <Öberg> & Co",
		LegalStatus: "active", ActiveConsents: []string{}, Surpluses: "/s", Operations: []Operation{}}
	rec := httptest.NewRecorder()
	writeJSON(rec, 200, r)
	var want bytes.Buffer
	enc := json.NewEncoder(&want)
	enc.SetEscapeHTML(false)
	enc.Encode(r)
	if !strings.Contains(rec.Body.String(), `"Åsa <Öberg> & Co"`) {
		t.Errorf("body %s escapes HTML", rec.Body.String())
	}
	if rec.Body.String() != want.String() {
		t.Fatalf("body %q, want %q", rec.Body.String(), want.String())
	}
	if got, want := rec.Header().Get("Content-Length"), strconv.Itoa(want.Len()); got != want {
		t.Fatalf("Content-Length %s, want %s", got, want)
	}
}
