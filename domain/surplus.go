package domain

import "time"

// SurplusStatus is the status of a surplus (an overpayment of the customer). Surpluses belong
// to a customer: their events are in the customer's stream and their state is part of
// CustomerState. The lifecycle of one surplus:
//
//	                    RegisterSurplus ─ SurplusRegistered
//	                             │
//	                             ▼
//	   ┌────────────────────── open ◄──────────────────────────────┐
//	   │ OrderDisbursement        │ SettleSurplus(amount ≤ balance)  │ ConfirmRegulation,
//	   │ ─ DisbursementOrdered    │ ─ SurplusSettled                 │ amount < balance
//	   ▼                          ▼                                  │ ─ SurplusRegulated
//	pending-disbursement     pending-regulate ───────────────────────┘   (balance −= amount)
//	   │ CompleteDisbursement     │ ConfirmRegulation, amount = balance
//	   │ ─ DisbursementCompleted  │ ─ SurplusRegulated (balance 0)
//	   ▼                          ▼
//	depleted ◄────────────────────┘
//
// The rules:
//   - Only an open surplus can be ordered for disbursement or settled; anything else is a
//     conflict. So a surplus has at most one active disbursement order, and at most one
//     settlement awaiting confirmation.
//   - Settling reserves an amount (the whole balance when none is given) to be used against the
//     customer's debt; the balance is unchanged until the regulation is confirmed, which reduces
//     it by the settled amount: the surplus is depleted at 0 and open again otherwise.
//   - Completing a disbursement order pays out the whole balance and depletes the surplus.
//   - Depleted is final. The API does not show depleted surpluses (reads and commands on them
//     answer not-found), but they stay in the state and the stream, and their surplusIds stay
//     taken.
//
// surplusIds are matched case-insensitively (they are URL-safe ASCII by construction) and keep
// the spelling they were registered with. The API shows open, pending-disbursement and
// pending-regulate.
type SurplusStatus string

// Surplus statuses.
const (
	SurplusOpen                SurplusStatus = "open"
	SurplusPendingDisbursement SurplusStatus = "pending-disbursement"
	SurplusPendingRegulate     SurplusStatus = "pending-regulate"
	SurplusDepleted            SurplusStatus = "depleted"
)

// SurplusDateLayout is how the API writes a surplus's date (always UTC).
const SurplusDateLayout = "2006-01-02T15:04:05"

// Limits of a surplus's properties.
const (
	MaxSurplusIDLength = 50
	maxSourceURILength = 512
	// maxDateSkew is how far in the future a surplus date may lie (clients' clocks differ).
	maxDateSkew = 5 * time.Minute
)

// Property names of surplus requests.
const (
	PropSurplusID = "surplusId"
	PropBalance   = "balance"
	PropCurrency  = "currency"
	PropDate      = "date"
	PropInvoice   = "invoice"
	PropAccount   = "account"
	PropAmount    = "amount"
)

// SurplusState is one surplus of a customer.
type SurplusState struct {
	SurplusID string        // as registered (display spelling); matched case-insensitively
	Balance   Money         // what is left; 0 once depleted
	Date      time.Time     // the surplus's date, UTC, whole seconds
	Status    SurplusStatus // open, pending-disbursement, pending-regulate or depleted
	Invoice   string        // relative URI of the invoice the surplus came from, or ""
	Account   string        // relative URI of the account the surplus came from, or ""
	// ActiveDisbursementOrders holds the order of a pending-disbursement surplus (at most one);
	// nil otherwise.
	ActiveDisbursementOrders []DisbursementOrder
	// Settled is the amount awaiting ConfirmRegulation while pending-regulate; the zero Money
	// otherwise.
	Settled Money
}

// Depleted reports whether the surplus is used up; the API does not show depleted surpluses.
func (s SurplusState) Depleted() bool { return s.Status == SurplusDepleted }

// clone returns a deep copy.
func (s SurplusState) clone() SurplusState {
	if s.ActiveDisbursementOrders != nil {
		orders := make([]DisbursementOrder, len(s.ActiveDisbursementOrders))
		for i, o := range s.ActiveDisbursementOrders {
			o.Destination = o.Destination.Clone()
			orders[i] = o
		}
		s.ActiveDisbursementOrders = orders
	}
	return s
}

// DisbursementOrder is an active order to pay a surplus out.
type DisbursementOrder struct {
	OrderID     string
	Destination Destination
	OrderedAt   time.Time // the time of the DisbursementOrdered event
}

// Surplus returns the surplus with this surplusId (case-insensitive), depleted or not.
func (s CustomerState) Surplus(surplusID string) (SurplusState, bool) {
	if i := s.surplusIndex(surplusID); i >= 0 {
		return s.Surpluses[i].clone(), true
	}
	return SurplusState{}, false
}

// CurrentSurplus returns the surplus with this surplusId (case-insensitive) that the API shows:
// registered and not depleted. Otherwise the error says which: CodeNotFound when the customer
// never had such a surplus, CodeSurplusDepleted when it was used up (paid out, or regulated to
// nothing) — both not shown, but a client that sent a complete or confirm-regulation again after
// its answer was lost can tell "already done" from "never existed".
func (s CustomerState) CurrentSurplus(surplusID string) (SurplusState, error) {
	i := s.surplusIndex(surplusID)
	if err := s.surplusShown(i); err != nil {
		return SurplusState{}, err
	}
	return s.Surpluses[i].clone(), nil
}

// surplusShown returns the error of CurrentSurplus for the surplus at index i (-1: none), or nil.
func (s CustomerState) surplusShown(i int) error {
	switch {
	case i < 0:
		return newError(CodeSurplusNotFound, "the customer has no surplus with this surplusId")
	case s.Surpluses[i].Depleted():
		return newError(CodeSurplusDepleted, "the surplus is depleted (paid out, or used up against debt), so it is no longer shown "+
			"and nothing more can be done with it; a complete or confirm-regulation sent again after its answer was lost was done")
	}
	return nil
}

// CurrentSurpluses returns the surpluses that are not depleted — those the API shows — in
// registration order.
func (s CustomerState) CurrentSurpluses() []SurplusState {
	var out []SurplusState
	for _, sp := range s.Surpluses {
		if !sp.Depleted() {
			out = append(out, sp.clone())
		}
	}
	return out
}

// surplusIndex returns the index of a surplus by case-insensitive surplusId, or -1.
func (s CustomerState) surplusIndex(surplusID string) int {
	for i := range s.Surpluses {
		if asciiEqualFold(s.Surpluses[i].SurplusID, surplusID) {
			return i
		}
	}
	return -1
}
