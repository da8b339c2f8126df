package domain

import (
	"fmt"
	"time"
)

// TypeCustomerForgotten is the event type of an erasure (the right to be forgotten). Stable
// forever, like every event type.
const TypeCustomerForgotten = "CustomerForgotten"

// CustomerForgotten records that a customer was forgotten: its data key is destroyed right after
// the event is stored, so every personal member of its events (domain.PersonalFields) becomes
// unreadable everywhere — the log, the stream, backups and every read model rebuilt from them.
// What stays readable is what the log was always allowed to show: the types, times, actors,
// statuses and amounts of its events. The event itself holds no personal data.
type CustomerForgotten struct {
	// LastActivity is the time of the customer's last event before this one, from which the
	// ledger's retention period was counted.
	LastActivity time.Time `json:"lastActivity"`
	// RetentionPeriod is the ledger's retention period then (ISO 8601, e.g. "P7Y"); absent when
	// the ledger has none.
	RetentionPeriod string `json:"retentionPeriod,omitempty"`
	// NationalIdentifierReleased: the customer's national identifier was released, so a new
	// customer may be created with it. The customer number stays taken (its stream exists).
	NationalIdentifierReleased bool `json:"nationalIdentifierReleased"`
}

// EventType implements Event.
func (CustomerForgotten) EventType() string { return TypeCustomerForgotten }

// CodeCustomerForgotten is the code of a request about a customer that was forgotten (410).
const CodeCustomerForgotten Code = "customer-forgotten"

// ErrCustomerForgotten matches the error of a command on a forgotten customer.
var ErrCustomerForgotten = &Error{Code: CodeCustomerForgotten}

func errCustomerForgotten() *Error {
	return newError(CodeCustomerForgotten, "the customer was forgotten: its personal data is erased")
}

// RetentionPeriod is how long a ledger keeps a customer's personal data after its last activity
// before the customer may be forgotten: an ISO 8601 period of years, months, weeks and days. The
// zero value is no retention period (a customer may be forgotten at once).
type RetentionPeriod struct {
	text string
	p    kycPeriod
}

// ParseRetentionPeriod parses "PnYnMnWnD" ("P7Y", "P10Y", "P6M", "P90D"); "" is no period.
func ParseRetentionPeriod(s string) (RetentionPeriod, error) {
	if s == "" {
		return RetentionPeriod{}, nil
	}
	p, err := parseKycPeriod(s)
	if err != nil {
		return RetentionPeriod{}, fmt.Errorf("retention period %q %w", s, err)
	}
	return RetentionPeriod{text: s, p: p}, nil
}

// String returns the period as configured ("" when none).
func (r RetentionPeriod) String() string { return r.text }

// Ends returns when a retention period starting at from ends.
func (r RetentionPeriod) Ends(from time.Time) time.Time { return r.p.after(from) }

// Forgotten reports whether the customer was forgotten.
func (c *Customer) Forgotten() bool { return c.state.Forgotten }

// Forget decides forgetting the customer at now under the ledger's retention period. It is
// allowed only when no surplus is left (every one depleted: none open, none being disbursed, none
// being settled) and the retention period since the customer's last activity (its last event)
// has passed; otherwise it is a conflict whose message gives the reason.
func (c *Customer) Forget(now time.Time, retention RetentionPeriod) ([]Event, error) {
	switch {
	case !c.exists:
		return nil, errCustomerNotFound()
	case c.state.Forgotten:
		return nil, errCustomerForgotten()
	}
	var orders, open int
	for _, sp := range c.state.Surpluses {
		switch {
		case sp.Depleted():
		case len(sp.ActiveDisbursementOrders) > 0:
			orders++
		default:
			open++
		}
	}
	switch {
	case orders == 1:
		return nil, newError(CodeConflict, "the customer cannot be forgotten: 1 surplus has an active disbursement order; complete it first")
	case orders > 1:
		return nil, newError(CodeConflict, fmt.Sprintf("the customer cannot be forgotten: %d surpluses have an active disbursement order; complete them first", orders))
	case open == 1:
		return nil, newError(CodeConflict, "the customer cannot be forgotten: 1 surplus is not depleted (open or being settled); settle or pay it out first")
	case open > 1:
		return nil, newError(CodeConflict, fmt.Sprintf("the customer cannot be forgotten: %d surpluses are not depleted (open or being settled); settle or pay them out first", open))
	}
	last := c.state.UpdatedAt
	if ends := retention.Ends(last); now.Before(ends) {
		return nil, newError(CodeConflict, fmt.Sprintf("the customer cannot be forgotten before the ledger's retention period (%s) since its last activity (%s) has passed, at %s",
			retention, last.UTC().Format(time.RFC3339), ends.UTC().Format(time.RFC3339)))
	}
	return []Event{CustomerForgotten{LastActivity: last, RetentionPeriod: retention.String(),
		NationalIdentifierReleased: c.state.NationalIdentifier != nil}}, nil
}

// ForgottenState is the whole state of a forgotten customer: its number, its stream version and
// when it was last changed, nothing else. A read model keeps it in place of the customer (the API
// answers 410), and it is also what a customer whose data key is destroyed reads as, event by
// event, so an incremental read model and one rebuilt after the erasure are equal.
func ForgottenState(customerNo string, version uint64, at time.Time) CustomerState {
	return CustomerState{CustomerNo: customerNo, Forgotten: true, Version: version, UpdatedAt: at.UTC()}
}

// ApplyStored applies an event read back from the customer's stream: the fold every reader of a
// stream shares (the command handler's load, the customer read model, time travel). erased says
// the event's personal data is erased (its data key destroyed: the customer is being forgotten).
// An erased event, or any event after the customer was forgotten, leaves the customer forgotten
// at the event's version (ForgottenState): a forgotten customer's past is erased too.
func (c *Customer) ApplyStored(customerNo string, r Recorded, erased bool) error {
	if erased || c.state.Forgotten {
		*c = Customer{state: ForgottenState(customerNo, r.Version, r.Time), exists: customerNo != ""}
		return nil
	}
	return c.Apply(r)
}
