package app

import (
	"time"

	"github.com/nordledger/ledger/domain"
)

// The use cases on an existing customer, by name: each is the aggregate's decision, which
// Handler.Execute runs (load the customer, decide, seal, append, with retries and read-your-writes).
// The HTTP API and ledgerd's background work run them; creating a customer (Handler.Create),
// forgetting one (Handler.Forget) and recording a look-up (Handler.RecordLookup) are the
// Handler's own.

// PatchCustomer changes a customer's values (PATCH).
func PatchCustomer(cmd domain.PatchCustomer) Decision {
	return func(c *domain.Customer) ([]domain.Event, error) { return c.Patch(cmd) }
}

// PatchCustomerKeepingProtection is PatchCustomer for a caller that may not lift a protected
// identity (domain.PatchCustomer.LiftsProtection): such a patch is refused with refuse, judged on
// the state the patch is decided on, under the customer's lock.
func PatchCustomerKeepingProtection(cmd domain.PatchCustomer, refuse error) Decision {
	return func(c *domain.Customer) ([]domain.Event, error) {
		if cmd.LiftsProtection(c.State()) {
			return nil, refuse
		}
		return c.Patch(cmd)
	}
}

// ReplaceLegalAddress replaces the legal address with one from source.
func ReplaceLegalAddress(a domain.Address, source domain.AddressSource) Decision {
	return func(c *domain.Customer) ([]domain.Event, error) { return c.ReplaceLegalAddress(a, source) }
}

// UpdateFromPopulationRegister replaces the legal address (and name) with the register's.
func UpdateFromPopulationRegister(p domain.RegisteredPerson) Decision {
	return func(c *domain.Customer) ([]domain.Event, error) { return c.UpdateFromPopulationRegister(p) }
}

// AddBillingAddress adds a billing address.
func AddBillingAddress(a domain.Address) Decision {
	return func(c *domain.Customer) ([]domain.Event, error) { return c.AddBillingAddress(a) }
}

// ReplaceBillingAddress replaces the billing address.
func ReplaceBillingAddress(a domain.Address) Decision {
	return func(c *domain.Customer) ([]domain.Event, error) { return c.ReplaceBillingAddress(a) }
}

// RemoveBillingAddress removes the billing address.
func RemoveBillingAddress() Decision {
	return func(c *domain.Customer) ([]domain.Event, error) { return c.RemoveBillingAddress() }
}

// AnswerKyc records the customer's answers to the ledger's KYC questions.
func AnswerKyc(cmd domain.AnswerKyc) Decision {
	return func(c *domain.Customer) ([]domain.Event, error) { return c.AnswerKyc(cmd) }
}

// RegisterSurplus registers a surplus.
func RegisterSurplus(cmd domain.RegisterSurplus) Decision {
	return func(c *domain.Customer) ([]domain.Event, error) { return c.RegisterSurplus(cmd) }
}

// SettleSurplus reserves (part of) a surplus for a regulation against debt.
func SettleSurplus(surplusID string, cmd domain.SettleSurplus) Decision {
	return func(c *domain.Customer) ([]domain.Event, error) { return c.SettleSurplus(surplusID, cmd) }
}

// ConfirmRegulation confirms a surplus's regulation.
func ConfirmRegulation(surplusID string) Decision {
	return func(c *domain.Customer) ([]domain.Event, error) { return c.ConfirmRegulation(surplusID) }
}

// OrderDisbursement orders a surplus paid out to a destination.
func OrderDisbursement(surplusID, orderID string, dest domain.Destination) Decision {
	return func(c *domain.Customer) ([]domain.Event, error) { return c.OrderDisbursement(surplusID, orderID, dest) }
}

// CompleteDisbursement records a disbursement paid out.
func CompleteDisbursement(surplusID, orderID string) Decision {
	return func(c *domain.Customer) ([]domain.Event, error) { return c.CompleteDisbursement(surplusID, orderID) }
}

// StartCardRegistration starts a recurring-card registration with the provider's session.
func StartCardRegistration(cmd domain.StartCardRegistration, registrationID string, session domain.CardVerificationSession, now, expiresAt time.Time) Decision {
	return func(c *domain.Customer) ([]domain.Event, error) {
		return c.StartCardRegistration(cmd, registrationID, session, now, expiresAt)
	}
}

// FinishCardRegistration records the provider's result of a registration.
func FinishCardRegistration(registrationID string, res domain.CardVerificationResult, now time.Time) Decision {
	return func(c *domain.Customer) ([]domain.Event, error) {
		return c.FinishCardRegistration(registrationID, res, now)
	}
}

// ExpireCardRegistration records a registration that stayed Initialized too long.
func ExpireCardRegistration(registrationID string, now time.Time) Decision {
	return func(c *domain.Customer) ([]domain.Event, error) { return c.ExpireCardRegistration(registrationID, now) }
}

// RemoveRecurringCardConsent withdraws the recurring-card consent.
func RemoveRecurringCardConsent(now time.Time) Decision {
	return func(c *domain.Customer) ([]domain.Event, error) { return c.RemoveRecurringCardConsent(now) }
}
