package domain

import (
	"maps"
	"slices"
)

// personalFields classifies the stored JSON of every event type: the paths of the members that
// hold personal data. They are encrypted with the customer's data key before the event is stored
// (package eventstore/personal) and become unreadable when the customer is forgotten; every
// other member stays in the clear, so the log stays auditable (types, times, statuses, amounts,
// versions). An empty list says, explicitly, that the type holds no personal data.
//
// A path is dot-separated member names; "*" stands for every element of an array. A new event
// type needs its entry here before it can be stored: TestEveryEventTypeIsClassified fails
// without one, and the encryption layer refuses to store an unclassified type.
//
// Decisions (docs/data-protection.md): vatNo is always personal (a sole trader's Swedish VAT
// number is their personnummer); protectedIdentity is personal (it tells that a person is under
// threat); eDIAddressInfo is personal (a sole trader's e-invoice address names them); legal
// status, legal entity, language and distribution type are statuses and stay clear. KYC answer
// codes are personal (income bands, citizenships), their question codes are not. A disbursement
// destination is personal as a whole (bank accounts; SUS: a personnummer and an address).
var personalFields = map[string][]string{
	TypeCustomerCreated: {"nationalIdentifier", "vatNo", "name", "emailAddress", "protectedIdentity",
		"msisdn", "taxIdentificationNumber", "eDIAddressInfo", "legalAddress"},
	TypeCustomerDetailsChanged: {"set.emailAddress", "set.protectedIdentity", "set.msisdn",
		"set.taxIdentificationNumber", "set.eDIAddressInfo"},
	TypeLegalAddressReplaced:    {"address"},
	TypeBillingAddressAdded:     {"address"},
	TypeBillingAddressReplaced:  {"address"},
	TypeBillingAddressRemoved:   {},
	TypeKycAnswersUpdated:       {"answers.*.answerCode", "answers.*.answerText"},
	TypeSurplusRegistered:       {},
	TypeDisbursementOrdered:     {"destination"},
	TypeDisbursementCompleted:   {},
	TypeSurplusSettled:          {},
	TypeSurplusRegulated:        {},
	TypeCustomerDetailsLookedUp: {}, // never stores the looked-up value (see CustomerDetailsLookedUp)
	TypeCustomerForgotten:       {},

	// Consents: card data (the provider's card token — it charges the card —, the masked number,
	// the expiry) is personal; so are the provider's reference and the URLs of a registration,
	// which lead to the person's verification session and may carry the merchant's identifiers
	// of the person. Registration ids, providers, languages, reasons and times stay clear.
	TypeRecurringCardRegistrationStarted:   {"providerReference", "redirectUrl", "completeUrl", "cancelUrl"},
	TypeRecurringCardRegistrationCompleted: {"cardToken", "instrumentDisplayName", "cardExpiryDate", "consentExpiryDate"},
	TypeRecurringCardRegistrationAborted:   {},
	TypeRecurringCardRegistrationFailed:    {},
	TypeRecurringCardConsentRemoved:        {"cardToken"},
}

// PersonalFields returns the paths of the personal members of an event type's stored JSON, and
// whether the type is classified at all (an unclassified type must not be stored).
func PersonalFields(eventType string) ([]string, bool) {
	paths, ok := personalFields[eventType]
	return slices.Clone(paths), ok
}

// ClassifiedEventTypes returns the event types the personal-data classification covers, sorted.
func ClassifiedEventTypes() []string {
	return slices.Sorted(maps.Keys(personalFields))
}
