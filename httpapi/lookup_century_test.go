package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nordledger/ledger/httpapi"
)

// A Swedish 10-digit personal number written with "-" reads as this century's person; someone
// 100 or older may still write it so, and a look-up must find them (SPEC §3: 121212-1212 finds
// 19121212-1212). That holds too in the year a person turns 100, before the birthday, when the
// "-" reading would lie in the future: the look-up finds the person of the century before instead
// of refusing the number. Creating a customer never guesses (the number stays refused there).
func TestLookupOfHundredYearOldByDashFormBeforeBirthday(t *testing.T) {
	today := time.Date(2026, time.June, 15, 12, 0, 0, 0, time.UTC)
	h := buildHarness(t, false, func(c *httpapi.Config) { c.Now = func() time.Time { return today } })
	base := "/ledger/customer/v1/1000"
	if st, b := h.do(http.MethodPost, base+"/customers", "application/json", `{"customerNo":"9200","legalEntity":"consumer",
		"nationalIdentifier":{"regNo":"19260616-1236","countryCode":"SE"},"name":"Greta Hundra",
		"legalAddress":{"addressee":"Greta Hundra","city":"STOCKHOLM","zipCode":"15961","countryCode":"SE"}}`); st != http.StatusCreated {
		t.Fatalf("create: %d %s", st, b)
	}
	for _, regNo := range []string{"260616-1236", "2606161236", "260616+1236", "192606161236"} {
		st, b := h.do(http.MethodPost, base+"/find-customer", "application/json",
			fmt.Sprintf(`{"nationalIdentifier":{"regNo":%q,"countryCode":"SE"}}`, regNo))
		if st != http.StatusOK || !strings.Contains(b, `"customerNo":"9200"`) {
			t.Errorf("find-customer %q: %d %s, want customer 9200", regNo, st, b)
		}
		st, b = h.do(http.MethodPost, "/client/v1/1000/products/9000/customerDetails", "application/json",
			fmt.Sprintf(`{"countryCode":"SE","values":[{"key":"fiscalNumber","value":%q}]}`, regNo))
		if st != http.StatusOK || !strings.Contains(b, `"fiscalNumber":"19260616-1236"`) {
			t.Errorf("Connect look-up %q: %d %s, want 19260616-1236", regNo, st, b)
		}
	}
	// Still refused: a wrong check digit, and creating a customer with the "-" form.
	if st, b := h.do(http.MethodPost, base+"/find-customer", "application/json",
		`{"nationalIdentifier":{"regNo":"260616-1237","countryCode":"SE"}}`); st != http.StatusBadRequest {
		t.Errorf("find-customer with a wrong check digit: %d %s, want 400", st, b)
	}
	if st, b := h.do(http.MethodPost, base+"/customers", "application/json", `{"customerNo":"9201","legalEntity":"consumer",
		"nationalIdentifier":{"regNo":"260616-1236","countryCode":"SE"},"name":"Greta Hundra",
		"legalAddress":{"addressee":"Greta Hundra","city":"STOCKHOLM","zipCode":"15961","countryCode":"SE"}}`); st != http.StatusBadRequest {
		t.Errorf("create with the - form of a birth date in the future: %d %s, want 400", st, b)
	}
}
