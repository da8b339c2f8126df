package domain

import "time"

// The events of consents (SPEC §7, §9): a recurring-card redirect registration goes through
// Started and ends in Completed (which registers the customer's recurring-card consent),
// Aborted (the person cancelled, or the registration expired) or Failed (the card could not be
// verified); RecurringCardConsentRemoved withdraws the consent. They belong to the customer's
// stream: the customer aggregate decides them.

// RecurringCardRegistrationStarted records that a recurring-card registration was started at a
// card-verification provider: the person is to be sent to RedirectURL, and is sent back to
// CompleteURL or CancelURL when done. Until it ends it is the customer's one active
// registration; left Initialized, it expires at ExpiresAt.
type RecurringCardRegistrationStarted struct {
	RegistrationID string `json:"registrationId"`
	// Provider names the card-verification provider ("sandbox", "http"); ProviderReference is
	// the provider's own id of the verification ("" when it has none).
	Provider          string    `json:"provider"`
	ProviderReference string    `json:"providerReference,omitempty"`
	RedirectURL       string    `json:"redirectUrl"`
	CompleteURL       string    `json:"completeUrl"`
	CancelURL         string    `json:"cancelUrl"`
	Language          string    `json:"language"`
	ExpiresAt         time.Time `json:"expiresAt"`
}

// RecurringCardRegistrationCompleted records that the card was verified: the registration is
// Completed and the card becomes the customer's recurring-card consent (replacing any earlier
// one). No card number is ever recorded, only the provider's token and the masked number.
type RecurringCardRegistrationCompleted struct {
	RegistrationID        string `json:"registrationId"`
	CardToken             string `json:"cardToken"`
	InstrumentDisplayName string `json:"instrumentDisplayName"`
	CardExpiryDate        string `json:"cardExpiryDate"`    // MM/yyyy
	ConsentExpiryDate     string `json:"consentExpiryDate"` // MM-yyyy
}

// RecurringCardRegistrationAborted records that the registration ended without a consent: the
// person cancelled (Reason "cancelled") or it was left Initialized until it expired ("expired").
type RecurringCardRegistrationAborted struct {
	RegistrationID string `json:"registrationId"`
	Reason         string `json:"reason"`
}

// RecurringCardRegistrationFailed records that the card could not be verified (Reason is the
// provider's, e.g. "declined").
type RecurringCardRegistrationFailed struct {
	RegistrationID string `json:"registrationId"`
	Reason         string `json:"reason"`
}

// RecurringCardConsentRemoved records that the customer's recurring-card consent (the card
// with CardToken) was withdrawn.
type RecurringCardConsentRemoved struct {
	CardToken string `json:"cardToken"`
}

// EventType implementations.
func (RecurringCardRegistrationStarted) EventType() string {
	return TypeRecurringCardRegistrationStarted
}
func (RecurringCardRegistrationCompleted) EventType() string {
	return TypeRecurringCardRegistrationCompleted
}
func (RecurringCardRegistrationAborted) EventType() string {
	return TypeRecurringCardRegistrationAborted
}
func (RecurringCardRegistrationFailed) EventType() string { return TypeRecurringCardRegistrationFailed }
func (RecurringCardConsentRemoved) EventType() string     { return TypeRecurringCardConsentRemoved }
