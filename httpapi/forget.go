package httpapi

import (
	"context"
	"net/http"

	"github.com/nordledger/ledger/eventstore"
)

// The right to erasure (docs/data-protection.md): POST .../customers/{customerNo}/forget
// forgets a customer when the ledger's rules allow it — no surplus left, the ledger's retention
// period since its last activity over — and answers 409 with the reason otherwise. Afterwards
// the customer's resources answer 410 customer-forgotten, and its audit trail shows its events'
// types, times and actors with their personal members erased.

const routeForget = routeCustomer + "/forget"

// EventOpener opens the personal members of stored events for the audit routes (implemented over
// *personal.Protector in cmd/ledgerd). erased lists the members that can never be read again
// (the customer was forgotten); data then holds only the event's clear members.
type EventOpener interface {
	OpenEvent(ctx context.Context, e eventstore.Event) (data []byte, erased []string, err error)
}

func (s *Server) forgetCustomer(w http.ResponseWriter, r *http.Request, c *call) error {
	no, err := customerNo(r, c)
	if err != nil {
		return err
	}
	if err := emptyBody(r); err != nil {
		return err
	}
	match, err := ifMatch(r)
	if err != nil {
		return err
	}
	// If-Match and If-None-Match as on every write (RFC 9110 §13.1), under the customer's lock.
	pre := func(version uint64) error {
		return checkPreconditions(r, match, version, "the customer is not forgotten")
	}
	ctx, cancel := s.commandContext(r)
	defer cancel()
	res, err := s.cfg.Commands.ForgetIf(ctx, c.ledger, no, pre, s.meta(r, c))
	if err != nil {
		return commandError(res, err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
