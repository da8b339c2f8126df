package httpapi

import (
	"net/http"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/httpapi/auth"
)

// Protected identity (skyddad folkbokföring): the addresses of a customer whose identity is
// protected are disclosed only to callers with the population-register scope, the scope of the
// register they come from. Everyone else sees the customer without legalAddress and
// billingAddress (no links, nothing expanded), gets 403 forbidden on the address resources, and
// 204 without a body when changing the billing address. find-customer answers as for anyone
// (it discloses no address), and the Connect look-up withholds the customer altogether.

// mayDisclose reports whether the caller may see the customer's addresses.
func (c *call) mayDisclose(s domain.CustomerState) bool {
	return !s.ProtectedIdentity || c.principal.HasScope(auth.ScopePopulationRegister)
}

// writeProtected answers a request for an address the caller may not see.
func writeProtected(w http.ResponseWriter, r *http.Request) {
	writeProblem(w, r, http.StatusForbidden, "forbidden",
		"the customer has a protected identity: its addresses are disclosed only to callers with the population-register scope", nil)
}
