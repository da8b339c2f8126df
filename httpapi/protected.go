package httpapi

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/httpapi/auth"
	"github.com/nordledger/ledger/internal/app"
)

// Protected identity (skyddad folkbokföring): the addresses of a customer whose identity is
// protected are disclosed only to callers with the population-register scope, the scope of the
// register they come from. Everyone else sees the customer without legalAddress and
// billingAddress (no links, nothing expanded), gets 403 forbidden on the address resources, and
// disbursement orders without their SUS address (surplus_render.go), 204 without a body when
// changing the billing address, and 403 on a PATCH that would lift the
// protection (protectedIdentity false or null: it would disclose them). find-customer answers as
// for anyone (it discloses no address), and the Connect look-up withholds the customer altogether.

// mayDisclose reports whether the caller may see the customer's addresses.
func (c *call) mayDisclose(s domain.CustomerState) bool {
	return !s.ProtectedIdentity || c.principal.HasScope(auth.ScopePopulationRegister)
}

// patchDecision is a PATCH's decision for the caller: one that may not see a protected customer's
// addresses may not lift the protection either (errProtectedLift, judged under the lock).
func (c *call) patchDecision(cmd domain.PatchCustomer) app.Decision {
	if c.principal.HasScope(auth.ScopePopulationRegister) {
		return app.PatchCustomer(cmd)
	}
	return app.PatchCustomerKeepingProtection(cmd, errProtectedLift)
}

// historyDisclosed reports whether the caller may see customer no's history (its events, its past
// states): not when the customer is protected now and the caller lacks the population-register
// scope, since past events and states hold the addresses the protection hides (and a customer
// protected later was not protected then): errProtectedHistory when the caller may not.
func (s *Server) historyDisclosed(r *http.Request, c *call, no string) error {
	if c.principal.HasScope(auth.ScopePopulationRegister) {
		return nil
	}
	cur, found, err := s.cfg.Customers.Customer(r.Context(), c.ledgerNo, no)
	if err != nil {
		return err
	}
	if found && cur.ProtectedIdentity {
		return errProtectedHistory
	}
	return nil
}

// withholdProtected nulls the data of the events of customers whose identity is protected now,
// unless the caller has the population-register scope: the ledger-wide audit query still shows
// who did what when, but not the addresses the protection hides.
func (s *Server) withholdProtected(ctx context.Context, c *call, items []auditEventResource) error {
	if c.principal.HasScope(auth.ScopePopulationRegister) {
		return nil
	}
	protected := map[string]bool{}
	for i := range items {
		ledgerNo, no, ok := domain.ParseStream(items[i].Stream)
		if !ok || ledgerNo != c.ledgerNo {
			continue // look-up streams hold no personal data
		}
		p, seen := protected[no]
		if !seen {
			cur, found, err := s.cfg.Customers.Customer(ctx, c.ledgerNo, no)
			if err != nil {
				return err
			}
			p = found && cur.ProtectedIdentity
			protected[no] = p
		}
		if p {
			items[i].Data, items[i].DataWithheld = json.RawMessage("null"), true
		}
	}
	return nil
}
