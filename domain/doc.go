// Package domain holds the customer ledger's model: the customer aggregate, the commands it
// decides on, the events it records, their validation and the domain errors. It does no I/O and
// reads no clock: time comes in with the command.
//
// The flow of a change: input (Field values, as decoded from a request) is parsed into a validated
// command (ParseCreateCustomer, ParsePatchCustomer, ParseAddress); the aggregate, rebuilt from its
// events with Apply, decides which events the command causes (or returns an *Error); the caller
// stores those events. Every read model is built by applying the same events.
//
// Surpluses (overpayments) live on the customer aggregate: see SurplusStatus for their
// lifecycle, ParseRegisterSurplus, ParseDestination and ParseSettleSurplus for their commands,
// and Money for amounts (integer minor units, never floating point).
//
// Know-your-customer questions are configured per ledger (KycConfig, validated by NewKyc into
// the Kyc of a LedgerPolicy); ParseKycAnswers validates a customer's answers against them and
// Customer.AnswerKyc records them (KycAnswersUpdated). The customer's state keeps only when it
// last answered, for renewal (LedgerPolicy.KycRenewalDue).
//
// Consents: a recurring-card redirect registration (ParseStartCardRegistration,
// Customer.StartCardRegistration) is Initialized until a card-verification provider's result
// (ParseCardVerificationResult, Customer.FinishCardRegistration) completes it — registering the
// customer's RecurringCardConsent — or aborts or fails it, or until it expires
// (CardRegistration.StatusAt, Customer.ExpireCardRegistration). Only one registration is active
// at a time; Customer.RemoveRecurringCardConsent withdraws the consent.
package domain
