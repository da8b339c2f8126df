package domain

import "time"

// SurplusRegistered records a new surplus (overpayment) of the customer. Date is UTC, whole
// seconds. Invoice and Account are relative URIs; at most one is set.
type SurplusRegistered struct {
	SurplusID string    `json:"surplusId"`
	Balance   Money     `json:"balance"`
	Date      time.Time `json:"date"`
	Invoice   string    `json:"invoice,omitempty"`
	Account   string    `json:"account,omitempty"`
}

// DisbursementOrdered records an order to pay a surplus's whole balance (Amount) out to
// Destination; the surplus becomes pending-disbursement. SurplusID is spelled as registered.
type DisbursementOrdered struct {
	SurplusID   string      `json:"surplusId"`
	OrderID     string      `json:"orderId"`
	Amount      Money       `json:"amount"`
	Destination Destination `json:"destination"`
}

// DisbursementCompleted records that a disbursement order was paid out: Amount (the whole
// balance) left the ledger and the surplus is depleted.
type DisbursementCompleted struct {
	SurplusID string `json:"surplusId"`
	OrderID   string `json:"orderId"`
	Amount    Money  `json:"amount"`
}

// SurplusSettled records that Amount of a surplus is to be used against the customer's debt;
// the surplus is pending-regulate until SurplusRegulated confirms it.
type SurplusSettled struct {
	SurplusID string `json:"surplusId"`
	Amount    Money  `json:"amount"`
}

// SurplusRegulated confirms a settlement: Amount (the settled amount) was used against debt and
// Balance is what is left of the surplus — 0 when it is depleted, else it is open again.
type SurplusRegulated struct {
	SurplusID string `json:"surplusId"`
	Amount    Money  `json:"amount"`
	Balance   Money  `json:"balance"`
}

// EventType implementations.
func (SurplusRegistered) EventType() string     { return TypeSurplusRegistered }
func (DisbursementOrdered) EventType() string   { return TypeDisbursementOrdered }
func (DisbursementCompleted) EventType() string { return TypeDisbursementCompleted }
func (SurplusSettled) EventType() string        { return TypeSurplusSettled }
func (SurplusRegulated) EventType() string      { return TypeSurplusRegulated }
