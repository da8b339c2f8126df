package domain

// TypeCustomerDetailsLookedUp is the event type of a customer-details look-up (the Connect
// client API's "Get customer details"). Stable forever, like every event type.
const TypeCustomerDetailsLookedUp = "CustomerDetailsLookedUp"

// Results of a customer-details look-up.
const (
	// LookupFound: a customer matched and its details were disclosed.
	LookupFound = "found"
	// LookupWithheld: a customer matched but may not be disclosed (protected identity or
	// deceased); the caller was answered as if nothing matched.
	LookupWithheld = "withheld"
	// LookupNotFound: no customer matched.
	LookupNotFound = "not-found"
)

// UnmatchedLookups is the last segment of the stream that records the look-ups that matched no
// customer: "{ledgerNo}/lookups/unmatched". Customer numbers are digits only, so it cannot be one.
const UnmatchedLookups = "unmatched"

// CustomerDetailsLookedUp records one customer-details look-up: on behalf of which merchant and
// payment product it was made, with which keys, and what it found. Who asked, when, and in which
// request are the stored event's actor, time and correlation/causation ids.
//
// It holds no personal data beyond the customer number: the looked-up values (a fiscal number)
// are never stored, not even hashed — a keyed hash of an identity number is still personal data,
// it would outlive the customer's crypto-shredding, and anyone holding the key could confirm a
// guess with it. An auditor learns who looked up whom from CustomerNo, and sees enumeration
// attempts as the unmatched look-ups of an actor.
type CustomerDetailsLookedUp struct {
	MerchantID       string   `json:"merchantId"`
	PaymentProductID string   `json:"paymentProductId"`
	CountryCode      string   `json:"countryCode"`
	Keys             []string `json:"keys"`                 // the names of the lookup keys sent, never their values
	CustomerNo       string   `json:"customerNo,omitempty"` // the matched customer; empty when nothing matched
	Result           string   `json:"result"`               // LookupFound, LookupWithheld or LookupNotFound
}

// EventType implements Event.
func (CustomerDetailsLookedUp) EventType() string { return TypeCustomerDetailsLookedUp }

// Disclosable reports whether a look-up may disclose the customer's details: never for a
// protected identity (skyddad identitet) or a deceased customer.
func (s CustomerState) Disclosable() bool {
	return !s.ProtectedIdentity && s.LegalStatus != LegalStatusDeceased
}

// LookupResult returns the result of a look-up that matched the customer s.
func LookupResult(s CustomerState) string {
	if s.Disclosable() {
		return LookupFound
	}
	return LookupWithheld
}
