package domain

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
)

// Event is something that happened to a customer. Its JSON form is stored forever: changing it
// needs a new schema version and an upcaster in DecodeEvent (golden files pin every type).
type Event interface {
	EventType() string
}

// Event type names (SPEC §9). They are stable forever.
const (
	TypeCustomerCreated                    = "CustomerCreated"
	TypeCustomerDetailsChanged             = "CustomerDetailsChanged"
	TypeLegalAddressReplaced               = "LegalAddressReplaced"
	TypeBillingAddressAdded                = "BillingAddressAdded"
	TypeBillingAddressReplaced             = "BillingAddressReplaced"
	TypeBillingAddressRemoved              = "BillingAddressRemoved"
	TypeKycAnswersUpdated                  = "KycAnswersUpdated"
	TypeSurplusRegistered                  = "SurplusRegistered"
	TypeDisbursementOrdered                = "DisbursementOrdered"
	TypeDisbursementCompleted              = "DisbursementCompleted"
	TypeSurplusSettled                     = "SurplusSettled"
	TypeSurplusRegulated                   = "SurplusRegulated" // the confirm step of a settlement (not in SPEC §9's list)
	TypeRecurringCardRegistrationStarted   = "RecurringCardRegistrationStarted"
	TypeRecurringCardRegistrationCompleted = "RecurringCardRegistrationCompleted"
	TypeRecurringCardRegistrationAborted   = "RecurringCardRegistrationAborted"
	TypeRecurringCardRegistrationFailed    = "RecurringCardRegistrationFailed"
	TypeRecurringCardConsentRemoved        = "RecurringCardConsentRemoved"
)

// CustomerCreated records a new customer with every detail it was created with. The billing
// address, when given, follows as a BillingAddressAdded event.
type CustomerCreated struct {
	CustomerNo              string              `json:"customerNo"`
	NationalIdentifier      *NationalIdentifier `json:"nationalIdentifier,omitempty"`
	VATNo                   string              `json:"vatNo,omitempty"`
	LegalEntity             string              `json:"legalEntity,omitempty"`
	Name                    string              `json:"name"`
	EmailAddress            string              `json:"emailAddress,omitempty"`
	ProtectedIdentity       bool                `json:"protectedIdentity"`
	PreferredLanguageCode   string              `json:"preferredLanguageCode,omitempty"`
	LegalStatus             string              `json:"legalStatus"`
	MSISDN                  string              `json:"msisdn,omitempty"`
	DistributionType        string              `json:"distributionType,omitempty"`
	TaxIdentificationNumber string              `json:"taxIdentificationNumber,omitempty"`
	EDIAddressInfo          *EDIAddressInfo     `json:"eDIAddressInfo,omitempty"`
	LegalAddress            Address             `json:"legalAddress"`
	// Source is where the details came from: "api", or "population-register" for a customer
	// generated from the register.
	Source AddressSource `json:"source"`
}

// CustomerDetailsChanged records a PATCH: the properties set to new values and those removed.
type CustomerDetailsChanged struct {
	Set     DetailChanges `json:"set"`
	Removed []string      `json:"removed,omitempty"` // property names, e.g. "msisdn"
}

// DetailChanges holds the new values of the properties a PATCH set; nil means not set.
type DetailChanges struct {
	EmailAddress            *string         `json:"emailAddress,omitempty"`
	LegalStatus             *string         `json:"legalStatus,omitempty"`
	PreferredLanguageCode   *string         `json:"preferredLanguageCode,omitempty"`
	ProtectedIdentity       *bool           `json:"protectedIdentity,omitempty"`
	MSISDN                  *string         `json:"msisdn,omitempty"`
	DistributionType        *string         `json:"distributionType,omitempty"`
	TaxIdentificationNumber *string         `json:"taxIdentificationNumber,omitempty"`
	EDIAddressInfo          *EDIAddressInfo `json:"eDIAddressInfo,omitempty"`
}

// LegalAddressReplaced records a new legal address.
type LegalAddressReplaced struct {
	Address Address       `json:"address"`
	Source  AddressSource `json:"source"`
}

// BillingAddressAdded records a billing address where there was none.
type BillingAddressAdded struct {
	Address Address `json:"address"`
}

// BillingAddressReplaced records a new billing address in place of the old one.
type BillingAddressReplaced struct {
	Address Address `json:"address"`
}

// BillingAddressRemoved records that the billing address was deleted.
type BillingAddressRemoved struct{}

// EventType implementations.
func (CustomerCreated) EventType() string        { return TypeCustomerCreated }
func (CustomerDetailsChanged) EventType() string { return TypeCustomerDetailsChanged }
func (LegalAddressReplaced) EventType() string   { return TypeLegalAddressReplaced }
func (BillingAddressAdded) EventType() string    { return TypeBillingAddressAdded }
func (BillingAddressReplaced) EventType() string { return TypeBillingAddressReplaced }
func (BillingAddressRemoved) EventType() string  { return TypeBillingAddressRemoved }

// eventSchema describes how one event type is stored.
type eventSchema struct {
	version int                                  // current schema version, written by EncodeEvent
	decode  func([]byte) (Event, error)          // decodes the current version
	upcast  map[int]func([]byte) ([]byte, error) // older version → JSON of the next version
}

func decoder[E Event]() func([]byte) (Event, error) {
	return func(b []byte) (Event, error) {
		var e E
		if err := json.Unmarshal(b, &e); err != nil {
			return nil, err
		}
		return e, nil
	}
}

var schemas = map[string]eventSchema{
	TypeCustomerCreated:        {version: 1, decode: decoder[CustomerCreated]()},
	TypeCustomerDetailsChanged: {version: 1, decode: decoder[CustomerDetailsChanged]()},
	TypeLegalAddressReplaced:   {version: 1, decode: decoder[LegalAddressReplaced]()},
	TypeBillingAddressAdded:    {version: 1, decode: decoder[BillingAddressAdded]()},
	TypeBillingAddressReplaced: {version: 1, decode: decoder[BillingAddressReplaced]()},
	TypeBillingAddressRemoved:  {version: 1, decode: decoder[BillingAddressRemoved]()},
	TypeKycAnswersUpdated:      {version: 1, decode: decoder[KycAnswersUpdated]()},
	TypeSurplusRegistered:      {version: 1, decode: decoder[SurplusRegistered]()},
	TypeDisbursementOrdered:    {version: 1, decode: decoder[DisbursementOrdered]()},
	TypeDisbursementCompleted:  {version: 1, decode: decoder[DisbursementCompleted]()},
	TypeSurplusSettled:         {version: 1, decode: decoder[SurplusSettled]()},
	TypeSurplusRegulated:       {version: 1, decode: decoder[SurplusRegulated]()},

	TypeCustomerForgotten:                  {version: 1, decode: decoder[CustomerForgotten]()},
	TypeRecurringCardRegistrationStarted:   {version: 1, decode: decoder[RecurringCardRegistrationStarted]()},
	TypeRecurringCardRegistrationCompleted: {version: 1, decode: decoder[RecurringCardRegistrationCompleted]()},
	TypeRecurringCardRegistrationAborted:   {version: 1, decode: decoder[RecurringCardRegistrationAborted]()},
	TypeRecurringCardRegistrationFailed:    {version: 1, decode: decoder[RecurringCardRegistrationFailed]()},
	TypeRecurringCardConsentRemoved:        {version: 1, decode: decoder[RecurringCardConsentRemoved]()},

	// Not a change of the customer: stored in the look-up streams (see LookupStreamName).
	TypeCustomerDetailsLookedUp: {version: 1, decode: decoder[CustomerDetailsLookedUp]()},
}

// EventTypes returns the names of every event type this version of the domain can decode,
// sorted.
func EventTypes() []string {
	return slices.Sorted(maps.Keys(schemas))
}

// EncodeEvent returns an event's type, schema version and JSON data.
func EncodeEvent(e Event) (typ string, schemaVersion int, data []byte, err error) {
	if e == nil {
		return "", 0, nil, fmt.Errorf("domain: cannot encode a nil event")
	}
	s, ok := schemas[e.EventType()]
	if !ok {
		return "", 0, nil, fmt.Errorf("domain: unknown event type %q", e.EventType())
	}
	data, err = json.Marshal(e)
	return e.EventType(), s.version, data, err
}

// DecodeEvent decodes stored event data of any schema version ever written, upcasting older
// versions to the current one.
func DecodeEvent(typ string, schemaVersion int, data []byte) (Event, error) {
	s, ok := schemas[typ]
	if !ok {
		return nil, fmt.Errorf("domain: unknown event type %q", typ)
	}
	for v := schemaVersion; v < s.version; v++ {
		up, ok := s.upcast[v]
		if !ok {
			return nil, fmt.Errorf("domain: %s schema version %d cannot be upcast", typ, v)
		}
		var err error
		if data, err = up(data); err != nil {
			return nil, fmt.Errorf("domain: upcasting %s from version %d: %w", typ, v, err)
		}
	}
	if schemaVersion > s.version {
		return nil, fmt.Errorf("domain: %s schema version %d is newer than this service (%d)", typ, schemaVersion, s.version)
	}
	e, err := s.decode(data)
	if err != nil {
		return nil, fmt.Errorf("domain: decoding %s: %w", typ, err)
	}
	return e, nil
}
