package domain

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// CustomerState is a snapshot of a customer: what the read models and the API show.
type CustomerState struct {
	CustomerNo              string
	NationalIdentifier      *NationalIdentifier
	VATNo                   string
	LegalEntity             string
	Name                    string
	EmailAddress            string
	ProtectedIdentity       bool
	PreferredLanguageCode   string
	LegalStatus             string
	MSISDN                  string
	DistributionType        string
	TaxIdentificationNumber string
	EDIAddressInfo          *EDIAddressInfo
	LegalAddress            *Address
	BillingAddress          *Address
	ActiveConsents          []string
	// RecurringCard is the recurring-card consent registered last (nil: none, or removed); it
	// is in force while RecurringCardAt says so.
	RecurringCard *RecurringCardConsent `json:",omitempty"`
	// CardRegistration is the latest recurring-card redirect registration (nil: none yet).
	CardRegistration *CardRegistration `json:",omitempty"`
	// Surpluses holds every surplus in registration order, depleted ones included (the API
	// shows CurrentSurpluses).
	Surpluses []SurplusState
	// KycAnsweredAt is when the customer last updated its KYC answers (zero: never). The answers
	// themselves stay in the event log (KycAnswersUpdated): they are not part of the resource.
	KycAnsweredAt time.Time
	// Forgotten: the customer was forgotten (CustomerForgotten, or its data key is destroyed);
	// nothing but CustomerNo, Version and UpdatedAt is kept (ForgottenState).
	Forgotten bool `json:",omitempty"`

	Version   uint64    // stream version of the last applied event
	CreatedAt time.Time // time of CustomerCreated
	UpdatedAt time.Time // time of the last applied event
}

// Clone returns a deep copy.
func (s CustomerState) Clone() CustomerState {
	s.NationalIdentifier = clonePtr(s.NationalIdentifier)
	s.EDIAddressInfo = clonePtr(s.EDIAddressInfo)
	s.LegalAddress = clonePtr(s.LegalAddress)
	s.BillingAddress = clonePtr(s.BillingAddress)
	s.ActiveConsents = slices.Clone(s.ActiveConsents)
	s.RecurringCard = clonePtr(s.RecurringCard)
	s.CardRegistration = clonePtr(s.CardRegistration)
	if s.Surpluses != nil {
		surpluses := make([]SurplusState, len(s.Surpluses))
		for i, sp := range s.Surpluses {
			surpluses[i] = sp.clone()
		}
		s.Surpluses = surpluses
	}
	return s
}

// clonePtr returns a pointer to a copy of *p, or nil. T must hold no pointers of its own.
func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// Swedish reports whether the customer is Swedish: by national identifier, or without one by
// legal address. Protected identity exists only for Swedish customers.
func (s CustomerState) Swedish() bool {
	if s.NationalIdentifier != nil {
		return s.NationalIdentifier.CountryCode == "SE"
	}
	return s.LegalAddress != nil && s.LegalAddress.CountryCode == "SE"
}

// Recorded is a stored event with the metadata the aggregate needs.
type Recorded struct {
	Event   Event
	Version uint64
	Time    time.Time
}

// Customer is the customer aggregate. The zero value is a customer that does not exist yet;
// rebuild an existing one by applying its events in order.
type Customer struct {
	state  CustomerState
	exists bool
}

// Exists reports whether the customer has been created.
func (c *Customer) Exists() bool { return c.exists }

// Version returns the stream version of the last applied event (0 before creation).
func (c *Customer) Version() uint64 { return c.state.Version }

// UpdatedAt returns the time of the last applied event (zero before creation).
func (c *Customer) UpdatedAt() time.Time { return c.state.UpdatedAt }

// State returns a copy of the customer's current state.
func (c *Customer) State() CustomerState { return c.state.Clone() }

// Apply changes the state by one recorded event. Events must come in stream order.
func (c *Customer) Apply(r Recorded) error {
	if r.Version != c.state.Version+1 {
		return fmt.Errorf("domain: event version %d applied to customer at version %d", r.Version, c.state.Version)
	}
	_, created := r.Event.(CustomerCreated)
	switch {
	case r.Event == nil:
		return fmt.Errorf("domain: nil event applied to customer")
	case created && c.exists:
		return fmt.Errorf("domain: CustomerCreated applied to an existing customer")
	case !created && !c.exists:
		return fmt.Errorf("domain: %s applied before CustomerCreated", r.Event.EventType())
	case c.state.Forgotten && r.Event.EventType() != TypeCustomerForgotten:
		return fmt.Errorf("domain: %s applied to a forgotten customer", r.Event.EventType())
	}
	s := &c.state
	switch e := r.Event.(type) {
	case CustomerCreated:
		la := e.LegalAddress
		*s = CustomerState{
			CustomerNo: e.CustomerNo, NationalIdentifier: clonePtr(e.NationalIdentifier), VATNo: e.VATNo,
			LegalEntity: e.LegalEntity, Name: e.Name, EmailAddress: e.EmailAddress,
			ProtectedIdentity: e.ProtectedIdentity, PreferredLanguageCode: e.PreferredLanguageCode,
			LegalStatus: e.LegalStatus, MSISDN: e.MSISDN, DistributionType: e.DistributionType,
			TaxIdentificationNumber: e.TaxIdentificationNumber, EDIAddressInfo: clonePtr(e.EDIAddressInfo),
			LegalAddress: &la, CreatedAt: r.Time,
		}
		if s.LegalStatus == "" {
			s.LegalStatus = LegalStatusActive
		}
		c.exists = true
	case CustomerDetailsChanged:
		applyDetails(s, e)
	case LegalAddressReplaced:
		a := e.Address
		s.LegalAddress = &a
	case BillingAddressAdded:
		a := e.Address
		s.BillingAddress = &a
	case BillingAddressReplaced:
		a := e.Address
		s.BillingAddress = &a
	case BillingAddressRemoved:
		s.BillingAddress = nil
	case KycAnswersUpdated:
		s.KycAnsweredAt = r.Time
	case CustomerForgotten:
		*s = ForgottenState(s.CustomerNo, r.Version, r.Time)
	case RecurringCardRegistrationStarted, RecurringCardRegistrationCompleted, RecurringCardRegistrationAborted,
		RecurringCardRegistrationFailed, RecurringCardConsentRemoved:
		if err := applyConsent(s, r); err != nil {
			return err
		}
	default:
		if err := applySurplus(s, r); err != nil {
			return err
		}
	}
	s.Version = r.Version
	s.UpdatedAt = r.Time
	return nil
}

func applyDetails(s *CustomerState, e CustomerDetailsChanged) {
	set := e.Set
	if set.EmailAddress != nil {
		s.EmailAddress = *set.EmailAddress
	}
	if set.LegalStatus != nil {
		s.LegalStatus = *set.LegalStatus
	}
	if set.PreferredLanguageCode != nil {
		s.PreferredLanguageCode = *set.PreferredLanguageCode
	}
	if set.ProtectedIdentity != nil {
		s.ProtectedIdentity = *set.ProtectedIdentity
	}
	if set.MSISDN != nil {
		s.MSISDN = *set.MSISDN
	}
	if set.DistributionType != nil {
		s.DistributionType = *set.DistributionType
	}
	if set.TaxIdentificationNumber != nil {
		s.TaxIdentificationNumber = *set.TaxIdentificationNumber
	}
	if set.EDIAddressInfo != nil {
		s.EDIAddressInfo = clonePtr(set.EDIAddressInfo)
	}
	for _, name := range e.Removed {
		switch name {
		case PropEmailAddress:
			s.EmailAddress = ""
		case PropLegalStatus:
			s.LegalStatus = LegalStatusActive
		case PropPreferredLanguageCode:
			s.PreferredLanguageCode = ""
		case PropProtectedIdentity:
			s.ProtectedIdentity = false
		case PropMSISDN:
			s.MSISDN = ""
		case PropDistributionType:
			s.DistributionType = ""
		case PropTaxIdentificationNumber:
			s.TaxIdentificationNumber = ""
		case PropEDIAddressInfo:
			s.EDIAddressInfo = nil
		}
	}
}

// Create decides the creation of the customer.
func (c *Customer) Create(cmd CreateCustomer) ([]Event, error) {
	if c.exists {
		return nil, newError(CodeConflict, "a customer with this customerNo already exists")
	}
	created := cmd.created
	if created.CustomerNo == "" {
		// A programming error, not a client's: the ledger generates numbers and the caller
		// did not call WithCustomerNo (or passed a CreateCustomer that was not parsed).
		return nil, errors.New("domain: CreateCustomer has no customer number")
	}
	created.NationalIdentifier = clonePtr(created.NationalIdentifier)
	created.EDIAddressInfo = clonePtr(created.EDIAddressInfo)
	events := []Event{created}
	if cmd.billingAddress != nil {
		events = append(events, BillingAddressAdded{Address: *cmd.billingAddress})
	}
	return events, nil
}

// Patch decides a partial update. A patch that changes nothing returns no events.
func (c *Customer) Patch(cmd PatchCustomer) ([]Event, error) {
	if !c.exists {
		return nil, errCustomerNotFound()
	}
	return cmd.decide(&c.state)
}

// ReplaceLegalAddress decides a new legal address; the same address again changes nothing.
func (c *Customer) ReplaceLegalAddress(a Address, source AddressSource) ([]Event, error) {
	if !c.exists {
		return nil, errCustomerNotFound()
	}
	if c.state.LegalAddress != nil && *c.state.LegalAddress == a {
		return nil, nil
	}
	return []Event{LegalAddressReplaced{Address: a, Source: source}}, nil
}

// AddBillingAddress decides adding a billing address; there must be none yet.
func (c *Customer) AddBillingAddress(a Address) ([]Event, error) {
	if !c.exists {
		return nil, errCustomerNotFound()
	}
	if c.state.BillingAddress != nil {
		return nil, newError(CodeConflict, "the customer already has a billing address; replace it with PUT")
	}
	return []Event{BillingAddressAdded{Address: a}}, nil
}

// ReplaceBillingAddress decides replacing the billing address; one must exist.
func (c *Customer) ReplaceBillingAddress(a Address) ([]Event, error) {
	if !c.exists {
		return nil, errCustomerNotFound()
	}
	if c.state.BillingAddress == nil {
		return nil, newError(CodeBillingAddressNotFound, "the customer has no billing address; add one with POST")
	}
	if *c.state.BillingAddress == a {
		return nil, nil
	}
	return []Event{BillingAddressReplaced{Address: a}}, nil
}

// RemoveBillingAddress decides deleting the billing address; one must exist.
func (c *Customer) RemoveBillingAddress() ([]Event, error) {
	if !c.exists {
		return nil, errCustomerNotFound()
	}
	if c.state.BillingAddress == nil {
		return nil, newError(CodeBillingAddressNotFound, "the customer has no billing address")
	}
	return []Event{BillingAddressRemoved{}}, nil
}

func errCustomerNotFound() *Error {
	return newError(CodeCustomerNotFound, "the customer does not exist")
}
