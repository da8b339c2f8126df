package popreg_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nordledger/ledger/httpapi/popreg"
)

// TestHTTPAmbiguousAnswer: a register answer that names a property twice (in any casing) is
// ambiguous — JSON parsers disagree on which one wins, and encoding/json takes the last — so it is
// not a valid person: the look-up is unavailable. Above all a protectedIdentity flag the register
// both raises and lowers is never read as lowered, which would disclose a protected person's
// address to every caller.
func TestHTTPAmbiguousAnswer(t *testing.T) {
	protected := `{"nationalIdentifier": {"regNo": "19121212-1212", "countryCode": "SE"}, "name": "Tolvan Tolvansson", "protectedIdentity": true,
 "address": {"addressee": "Tolvan Tolvansson", "streetAddress": "Tolvansgatan 12", "city": "STOCKHOLM", "zipCode": "11212", "countryCode": "SE"}`
	for name, body := range map[string]string{
		"protectedIdentity twice":             protected + `, "protectedIdentity": false}`,
		"protectedIdentity in another casing": protected + `, "PROTECTEDIDENTITY": false}`,
		"the address's city twice":            strings.Replace(protected, `"city": "STOCKHOLM"`, `"city": "STOCKHOLM", "City": "UPPSALA"`, 1) + `}`,
		"the identifier twice":                strings.Replace(protected, `"countryCode": "SE"}, "name"`, `"countryCode": "SE", "regNo": "19811228-9874"}, "name"`, 1) + `}`,
	} {
		srv := registerServer(t, func(string) (int, string) { return http.StatusOK, body })
		r, err := popreg.NewHTTP(popreg.HTTPConfig{URL: srv.URL + "/lookup", Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		p, err := r.Person(context.Background(), tolvan)
		if !errors.Is(err, popreg.ErrUnavailable) {
			t.Errorf("%s: %+v, %v; want ErrUnavailable", name, p, err)
		}
	}
}
