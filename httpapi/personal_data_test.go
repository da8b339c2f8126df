package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestDisclosuresQueryNamesInAnyCase: the disclosures list reads its query parameters by the
// names query.go matched case-insensitively, as every route does: a misspelt-case limit or after
// is read (and refused when invalid), never ignored for a 200.
func TestDisclosuresQueryNamesInAnyCase(t *testing.T) {
	h := buildHarness(t, true)
	h.mustDo(http.MethodPost, "/ledger/customer/v1/1000/customers", validCustomer, http.StatusCreated)
	for _, q := range []string{"limit=abc", "LIMIT=abc", "Limit=0", "AFTER=-1", "After=x"} {
		code, body := h.do(http.MethodGet, "/ledger/customer/v1/1000/customers/9999/disclosures?"+q, "", "")
		if code != http.StatusBadRequest || !strings.Contains(body, `"validation"`) && !strings.Contains(body, "problems/validation") {
			t.Errorf("GET disclosures?%s: %d %s; want 400 validation", q, code, body)
		}
	}
}
