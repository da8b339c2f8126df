package httpapi_test

import (
	"net/http"
	"testing"
)

// TestDisclosuresOfACustomerThatNeverExisted: an auditor asking for the disclosures of a customer
// number the ledger never had is told so — 404 customer-not-found, as the customer's audit trail
// (/events) answers it — not shown an empty list, which says "nobody obtained its data" of a
// customer that does not exist (a mistyped number). A customer that exists, or was forgotten
// (its disclosures are kept for that), is listed.
func TestDisclosuresOfACustomerThatNeverExisted(t *testing.T) {
	h := buildHarness(t, true)
	h.mustDo(http.MethodPost, "/ledger/customer/v1/1000/customers", validCustomer, http.StatusCreated)
	for _, path := range []string{"/events", "/disclosures"} {
		p := h.mustDo(http.MethodGet, "/ledger/customer/v1/1000/customers/4444"+path, "", http.StatusNotFound)
		if p["type"] != "ledger/customer/v1/problems/customer-not-found" || p["detail"] != "the customer does not exist" {
			t.Errorf("GET %s of a customer that never existed: %v, want customer-not-found", path, p)
		}
	}
	h.mustDo(http.MethodGet, base+"/disclosures", "", http.StatusOK)
	h.mustDo(http.MethodPost, base+"/forget", "", http.StatusNoContent)
	h.mustDo(http.MethodGet, base+"/disclosures", "", http.StatusOK)
	h.mustDo(http.MethodGet, base+"/events", "", http.StatusOK)
}
