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
// destination is personal as a whole (bank accounts; SUS: a personnummer and an address). A
// look-up's result is personal when it matched a customer: "withheld" with a legal status other
// than deceased (which is clear) says that the customer's identity is protected.
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
	TypeCustomerDetailsLookedUp: {"result"}, // a matched look-up's result, never the looked-up value (PersonalFieldsIn)
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

// PersonalFieldsIn returns the paths of the personal members of an event of type eventType stored
// in stream: PersonalFields, except for a look-up that matched nobody (the stream
// LookupStreamName(ledgerNo, "")), whose result ("not-found") is about nobody and which has no
// customer whose key could seal it. A matched look-up's result is sealed with the customer's key,
// whatever it is, so a sealed result tells nothing either.
func PersonalFieldsIn(eventType, stream string) ([]string, bool) {
	paths, ok := PersonalFields(eventType)
	if eventType == TypeCustomerDetailsLookedUp {
		if _, kind, no, split := SplitStream(stream); split && kind == StreamLookups && no == UnmatchedLookups {
			return nil, ok
		}
	}
	return paths, ok
}

// personalPadding gives the event types whose sealed members are padded: their plaintext is
// filled with white space to a multiple of so many bytes before it is sealed, so the length of
// the ciphertext does not tell the values apart. A look-up's sealed result is "found" or
// "withheld": unpadded, the three bytes between them would say which.
var personalPadding = map[string]int{TypeCustomerDetailsLookedUp: 32}

// PersonalPadding returns the multiple of bytes an event type's sealed plaintext is padded to
// with white space (0: not padded).
func PersonalPadding(eventType string) int { return personalPadding[eventType] }

// ClassifiedEventTypes returns the event types the personal-data classification covers, sorted.
func ClassifiedEventTypes() []string {
	return slices.Sorted(maps.Keys(personalFields))
}
