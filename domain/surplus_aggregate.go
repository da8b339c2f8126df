package domain

import (
	"errors"
	"fmt"

	"github.com/nordledger/ledger/domain/nordic"
)

// RegisterSurplus decides registering a surplus. A surplusId the customer already has —
// compared case-insensitively, depleted surpluses included — is a conflict.
func (c *Customer) RegisterSurplus(cmd RegisterSurplus) ([]Event, error) {
	if !c.exists {
		return nil, errCustomerNotFound()
	}
	e := cmd.registered
	if e.SurplusID == "" || e.Balance.minor <= 0 {
		return nil, errors.New("domain: RegisterSurplus was not parsed")
	}
	if c.state.surplusIndex(e.SurplusID) >= 0 {
		return nil, newError(CodeConflict, "the customer already has a surplus with this surplusId (surplusIds are not case sensitive and are never reused)")
	}
	return []Event{e}, nil
}

// OrderDisbursement decides an order to pay an open surplus's whole balance out to d (from
// ParseDestination). orderID is chosen by the caller (e.g. a UUID; 1–50 characters of
// A–Z a–z 0–9 - . _ ~): the domain has no randomness. A surplus that is not open — an order is
// already active, or it is being settled — is a conflict.
func (c *Customer) OrderDisbursement(surplusID, orderID string, d Destination) ([]Event, error) {
	if idProblem(orderID) != "" {
		return nil, fmt.Errorf("domain: disbursement order id is not valid: %s", idProblem(orderID))
	}
	if d.count() != 1 {
		return nil, errors.New("domain: a disbursement destination must have exactly one kind set")
	}
	s, err := c.currentSurplus(surplusID)
	if err != nil {
		return nil, err
	}
	if s.Status != SurplusOpen {
		return nil, newError(CodeConflict, fmt.Sprintf("the surplus is %s; only an open surplus can be ordered for disbursement", s.Status))
	}
	return []Event{DisbursementOrdered{SurplusID: s.SurplusID, OrderID: orderID, Amount: s.Balance, Destination: d.Clone()}}, nil
}

// CompleteDisbursement decides that an active disbursement order (orderID matched
// case-insensitively) was paid out: the surplus is depleted. An order that is not active —
// unknown, or already completed — is not found.
func (c *Customer) CompleteDisbursement(surplusID, orderID string) ([]Event, error) {
	s, err := c.currentSurplus(surplusID)
	if err != nil {
		return nil, err
	}
	i := s.orderIndex(orderID)
	if i < 0 {
		return nil, newError(CodeSurplusNotFound, "the surplus has no active disbursement order with this orderId")
	}
	return []Event{DisbursementCompleted{SurplusID: s.SurplusID, OrderID: s.ActiveDisbursementOrders[i].OrderID, Amount: s.Balance}}, nil
}

// SettleSurplus decides using an open surplus against the customer's debt: the given amount (at
// most the balance, with at most the currency's minor-unit digits; a validation problem named
// "amount" otherwise) or the whole balance. The surplus is pending-regulate until
// ConfirmRegulation. A surplus that is not open is a conflict.
func (c *Customer) SettleSurplus(surplusID string, cmd SettleSurplus) ([]Event, error) {
	s, err := c.currentSurplus(surplusID)
	if err != nil {
		return nil, err
	}
	if s.Status != SurplusOpen {
		return nil, newError(CodeConflict, fmt.Sprintf("the surplus is %s; only an open surplus can be settled", s.Status))
	}
	amount := s.Balance
	if cmd.amount != nil {
		digits, _ := nordic.Currency(s.Balance.currency)
		n, msg := positiveMinor(PropAmount, *cmd.amount, digits, s.Balance.currency)
		if msg == "" && n > s.Balance.minor {
			msg = PropAmount + " must not be more than the surplus's balance"
		}
		if msg != "" {
			return nil, ValidationError(Problem{PropAmount, msg})
		}
		amount = Money{minor: n, currency: s.Balance.currency}
	}
	return []Event{SurplusSettled{SurplusID: s.SurplusID, Amount: amount}}, nil
}

// ConfirmRegulation decides that a settlement was used against the debt: the balance is reduced
// by the settled amount, and the surplus is depleted at 0 or open again otherwise. A surplus
// that is not pending-regulate is a conflict.
func (c *Customer) ConfirmRegulation(surplusID string) ([]Event, error) {
	s, err := c.currentSurplus(surplusID)
	if err != nil {
		return nil, err
	}
	if s.Status != SurplusPendingRegulate {
		return nil, newError(CodeConflict, fmt.Sprintf("the surplus is %s; only a pending-regulate surplus has a settlement to confirm", s.Status))
	}
	return []Event{SurplusRegulated{SurplusID: s.SurplusID, Amount: s.Settled, Balance: s.Balance.sub(s.Settled)}}, nil
}

// currentSurplus returns a surplus the API shows: the customer exists and the surplus is
// registered and not depleted (else CustomerState.CurrentSurplus's errors).
func (c *Customer) currentSurplus(surplusID string) (*SurplusState, error) {
	if !c.exists {
		return nil, errCustomerNotFound()
	}
	i := c.state.surplusIndex(surplusID)
	if err := c.state.surplusShown(i); err != nil {
		return nil, err
	}
	return &c.state.Surpluses[i], nil
}

// orderIndex returns the index of an active order by case-insensitive orderId, or -1.
func (s *SurplusState) orderIndex(orderID string) int {
	for i := range s.ActiveDisbursementOrders {
		if asciiEqualFold(s.ActiveDisbursementOrders[i].OrderID, orderID) {
			return i
		}
	}
	return -1
}

// applySurplus applies a surplus event to the state. It checks the event against the state
// first and changes nothing when it does not fit (a stream the aggregate could not have written).
func applySurplus(s *CustomerState, r Recorded) error {
	switch e := r.Event.(type) {
	case SurplusRegistered:
		if idProblem(e.SurplusID) != "" || e.Balance.currency == "" || e.Balance.minor <= 0 {
			return fmt.Errorf("domain: SurplusRegistered is not valid")
		}
		if s.surplusIndex(e.SurplusID) >= 0 {
			return fmt.Errorf("domain: SurplusRegistered for a surplusId the customer already has")
		}
		s.Surpluses = append(s.Surpluses, SurplusState{
			SurplusID: e.SurplusID, Balance: e.Balance, Date: e.Date, Status: SurplusOpen,
			Invoice: e.Invoice, Account: e.Account,
		})
		return nil
	}
	id, ok := surplusEventID(r.Event)
	if !ok {
		return fmt.Errorf("domain: customer cannot apply %T", r.Event)
	}
	i := s.surplusIndex(id)
	if i < 0 {
		return fmt.Errorf("domain: %s for a surplus the customer does not have", r.Event.EventType())
	}
	sp := &s.Surpluses[i]
	wrong := func(want SurplusStatus) error {
		return fmt.Errorf("domain: %s applied to a %s surplus (want %s)", r.Event.EventType(), sp.Status, want)
	}
	switch e := r.Event.(type) {
	case DisbursementOrdered:
		if sp.Status != SurplusOpen {
			return wrong(SurplusOpen)
		}
		if e.Amount != sp.Balance || e.Destination.count() != 1 {
			return fmt.Errorf("domain: DisbursementOrdered does not fit the surplus")
		}
		sp.Status = SurplusPendingDisbursement
		sp.ActiveDisbursementOrders = []DisbursementOrder{{OrderID: e.OrderID, Destination: e.Destination.Clone(), OrderedAt: r.Time}}
	case DisbursementCompleted:
		if sp.Status != SurplusPendingDisbursement {
			return wrong(SurplusPendingDisbursement)
		}
		if sp.orderIndex(e.OrderID) < 0 || e.Amount != sp.Balance {
			return fmt.Errorf("domain: DisbursementCompleted does not fit the surplus")
		}
		sp.Status = SurplusDepleted
		sp.Balance = Money{currency: sp.Balance.currency}
		sp.ActiveDisbursementOrders = nil
	case SurplusSettled:
		if sp.Status != SurplusOpen {
			return wrong(SurplusOpen)
		}
		if e.Amount.currency != sp.Balance.currency || e.Amount.minor <= 0 || e.Amount.minor > sp.Balance.minor {
			return fmt.Errorf("domain: SurplusSettled does not fit the surplus")
		}
		sp.Status = SurplusPendingRegulate
		sp.Settled = e.Amount
	case SurplusRegulated:
		if sp.Status != SurplusPendingRegulate {
			return wrong(SurplusPendingRegulate)
		}
		if e.Amount != sp.Settled || e.Balance != sp.Balance.sub(sp.Settled) {
			return fmt.Errorf("domain: SurplusRegulated does not fit the surplus")
		}
		sp.Balance = e.Balance
		sp.Settled = Money{}
		sp.Status = SurplusOpen
		if e.Balance.minor == 0 {
			sp.Status = SurplusDepleted
		}
	}
	return nil
}

// surplusEventID returns the surplusId of a surplus event other than SurplusRegistered.
func surplusEventID(e Event) (string, bool) {
	switch e := e.(type) {
	case DisbursementOrdered:
		return e.SurplusID, true
	case DisbursementCompleted:
		return e.SurplusID, true
	case SurplusSettled:
		return e.SurplusID, true
	case SurplusRegulated:
		return e.SurplusID, true
	}
	return "", false
}
