package domain

import (
	"time"

	"github.com/nordledger/ledger/domain/nordic"
)

// CreateCustomer is a validated create-customer command.
type CreateCustomer struct {
	created        CustomerCreated
	billingAddress *Address
}

// CustomerNo returns the customer number ("" until WithCustomerNo when the ledger generates them).
func (c CreateCustomer) CustomerNo() string { return c.created.CustomerNo }

// NationalIdentifier returns a copy of the customer's national identifier, if any.
func (c CreateCustomer) NationalIdentifier() *NationalIdentifier {
	return clonePtr(c.created.NationalIdentifier)
}

// WithCustomerNo returns the command with a generated customer number.
func (c CreateCustomer) WithCustomerNo(no string) CreateCustomer {
	c.created.CustomerNo = no
	return c
}

// ParseCreateCustomer validates a create-customer request against the ledger's policy and
// returns the command, or a validation *Error naming every failing property. today is the
// current date, used to reject birth dates in the future.
//
// Values are normalised: surrounding whitespace is ignored everywhere except in customerNo
// (which must be digits only, as it is used in URLs), enumerations and country codes are matched
// case-insensitively and stored in their canonical case, zip codes lose all whitespace, national
// identifiers are stored in their canonical form, and blank optional texts without a minimum
// length (streetAddress, coAddress, VAN, InterChangeRecipient) count as not given.
func ParseCreateCustomer(in CustomerInput, p LedgerPolicy, today time.Time) (CreateCustomer, error) {
	var ps problems
	var e CustomerCreated
	e.Source = SourceAPI

	switch {
	case p.GenerateCustomerNumbers:
		if in.CustomerNo.HasValue() {
			ps.add(PropCustomerNo, "customerNo must not be sent: this ledger generates customer numbers")
		}
		if !in.NationalIdentifier.HasValue() {
			ps.add(PropNationalIdentifier, "nationalIdentifier is required: this ledger generates customer numbers")
		}
	case !in.CustomerNo.HasValue():
		ps.add(PropCustomerNo, "customerNo is required")
	default:
		if msg := p.customerNoProblem(in.CustomerNo.Value); msg != "" {
			ps.add(PropCustomerNo, msg)
		} else {
			e.CustomerNo = in.CustomerNo.Value
		}
	}

	var id nordic.NationalID
	if in.NationalIdentifier.HasValue() {
		ni, parsed := parseNationalIdentifier(&ps, in.NationalIdentifier.Value, PropNationalIdentifier, today)
		if ni.RegNo != "" {
			e.NationalIdentifier, id = &ni, parsed
		}
	}
	e.VATNo = parseVAT(&ps, in.VATNo)
	e.LegalEntity = enum(&ps, PropLegalEntity, in.LegalEntity, legalEntities)
	if e.LegalEntity == LegalEntityConsumer && e.NationalIdentifier != nil && !id.Person && id.Kind != nordic.KindOther {
		ps.add(PropNationalIdentifier+".regNo", "a consumer's regNo must be a personal identity number, not an organisation number")
	}
	e.Name = text(&ps, PropName, in.Name, textRequired, 72)
	e.EmailAddress = parseEmail(&ps, in.EmailAddress)
	e.PreferredLanguageCode = enum(&ps, PropPreferredLanguageCode, in.PreferredLanguageCode, languageCodes)
	e.LegalStatus = enum(&ps, PropLegalStatus, in.LegalStatus, legalStatuses)
	if e.LegalStatus == "" {
		e.LegalStatus = LegalStatusActive
	}
	e.MSISDN = parseMSISDN(&ps, in.MSISDN)
	e.DistributionType = enum(&ps, PropDistributionType, in.DistributionType, distributionTypes)
	e.TaxIdentificationNumber = text(&ps, PropTaxIdentificationNumber, in.TaxIdentificationNumber, textOptional, 20)
	if in.EDIAddressInfo.HasValue() {
		e.EDIAddressInfo = parseEDI(&ps, in.EDIAddressInfo.Value)
	}
	if in.LegalAddress.HasValue() {
		e.LegalAddress = parseAddress(&ps, in.LegalAddress.Value, PropLegalAddress)
	} else {
		ps.add(PropLegalAddress, "legalAddress is required")
	}
	var billing *Address
	if in.BillingAddress.HasValue() {
		a := parseAddress(&ps, in.BillingAddress.Value, PropBillingAddress)
		billing = &a
	}
	if in.ProtectedIdentity.HasValue() {
		e.ProtectedIdentity = in.ProtectedIdentity.Value
		if e.ProtectedIdentity && customerCountry(in, e) != "SE" {
			ps.add(PropProtectedIdentity, "protectedIdentity is only supported for Swedish customers")
		}
	}
	if err := ps.err(); err != nil {
		return CreateCustomer{}, err
	}
	return CreateCustomer{created: e, billingAddress: billing}, nil
}

// customerCountry is the country a new customer belongs to: that of its national identifier when
// one was sent with a valid country code (even if the regNo itself is invalid), else that of its
// legal address ("" when neither is known).
func customerCountry(in CustomerInput, e CustomerCreated) string {
	if e.NationalIdentifier != nil {
		return e.NationalIdentifier.CountryCode
	}
	if in.NationalIdentifier.HasValue() {
		if f := in.NationalIdentifier.Value.CountryCode; f.HasValue() {
			if c, ok := CountryCodeInput(f.Value); ok {
				return c
			}
		}
	}
	return e.LegalAddress.CountryCode
}
