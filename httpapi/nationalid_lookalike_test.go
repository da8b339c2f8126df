package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// An identifier of a country without its own rules is stored as sent, and its uniqueness is on
// what is stored: a copy of a taken identifier with an invisible or look-alike character in it
// (a zero-width space, a byte-order mark, a no-break space, full-width digits) must not become a
// second customer with the same visible identifier. It is refused as a validation problem, on
// create and on find-customer alike, and the customer holding the plain identifier stays the
// only one.
func TestLookAlikeNationalIdentifierIsNotASecondCustomer(t *testing.T) {
	h := newHarness(t)
	base := "/ledger/customer/v1/1000"
	create := func(no, regNo string) (int, string) {
		return h.do(http.MethodPost, base+"/customers", "application/json", fmt.Sprintf(`{"customerNo":%q,"legalEntity":"consumer",
			"nationalIdentifier":{"regNo":%q,"countryCode":"DE"},"name":"Test Person",
			"legalAddress":{"addressee":"Test Person","city":"BERLIN","zipCode":"10115","countryCode":"DE"}}`, no, regNo))
	}
	find := func(regNo string) (int, string) {
		return h.do(http.MethodPost, base+"/find-customer", "application/json",
			fmt.Sprintf(`{"nationalIdentifier":{"regNo":%q,"countryCode":"DE"}}`, regNo))
	}
	if st, b := create("9100", "T22000129"); st != http.StatusCreated {
		t.Fatalf("create: %d %s", st, b)
	}
	for i, regNo := range []string{
		"T22000129\u200b", "\ufeffT22000129", "T2200\u00ad0129", "T\u00a022000129", "T\uff12\uff12000129",
	} {
		no := fmt.Sprint(9101 + i)
		if st, b := create(no, regNo); st != http.StatusBadRequest || !strings.Contains(b, `"name":"nationalIdentifier.regNo"`) {
			t.Errorf("create %q: %d %s, want 400 naming nationalIdentifier.regNo", regNo, st, b)
		}
		if st, b := h.do(http.MethodGet, base+"/customers/"+no, "", ""); st != http.StatusNotFound {
			t.Errorf("GET customer %s after create %q: %d %s, want 404", no, regNo, st, b)
		}
		if st, b := find(regNo); st != http.StatusBadRequest {
			t.Errorf("find-customer %q: %d %s, want 400", regNo, st, b)
		}
	}
	if st, b := find(" T22000129 "); st != http.StatusOK || !strings.Contains(b, `"customerNo":"9100"`) {
		t.Errorf("find-customer: %d %s, want customer 9100", st, b)
	}
}
