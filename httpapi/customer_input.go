package httpapi

import "github.com/nordledger/ledger/domain"

// Readers of the customer API's request bodies: JSON objects → domain inputs. Property names are
// matched case-insensitively; problem names use the document's spelling.

func (f *fields) address(o *object) domain.AddressInput {
	in := domain.AddressInput{
		Addressee:     f.str(o, "addressee"),
		StreetAddress: f.str(o, "streetAddress"),
		CoAddress:     f.str(o, "coAddress"),
		City:          f.str(o, "city"),
		ZipCode:       f.str(o, "zipCode"),
		CountryCode:   f.str(o, "countryCode"),
	}
	f.unknown(o, "of an address")
	return in
}

func (f *fields) addressField(o *object, name string) domain.Field[domain.AddressInput] {
	child, present, null := f.obj(o, name)
	switch {
	case child != nil:
		return domain.Set(f.address(child))
	case null:
		return domain.Null[domain.AddressInput]()
	case present:
		return domain.Field[domain.AddressInput]{Present: true, Null: true} // bad type: reported already
	}
	return domain.Field[domain.AddressInput]{}
}

func (f *fields) nationalIdentifier(o *object, name string) domain.Field[domain.NationalIdentifierInput] {
	child, _, null := f.obj(o, name)
	switch {
	case child != nil:
		in := domain.NationalIdentifierInput{RegNo: f.str(child, "regNo"), CountryCode: f.str(child, "countryCode")}
		f.unknown(child, "of a national identifier")
		return domain.Set(in)
	case null:
		return domain.Null[domain.NationalIdentifierInput]()
	}
	return domain.Field[domain.NationalIdentifierInput]{}
}

func (f *fields) ediAddressInfo(o *object) domain.Field[domain.EDIAddressInfoInput] {
	child, _, null := f.obj(o, domain.PropEDIAddressInfo)
	switch {
	case child != nil:
		in := domain.EDIAddressInfoInput{
			VAN:                  f.str(child, "VAN"),
			InterChangeRecipient: f.str(child, "InterChangeRecipient"),
			BuyerID:              f.str(child, "BuyerId"),
		}
		f.unknown(child, "of eDIAddressInfo")
		return domain.Set(in)
	case null:
		return domain.Null[domain.EDIAddressInfoInput]()
	}
	return domain.Field[domain.EDIAddressInfoInput]{}
}

// customerInput reads a create-customer body.
func (f *fields) customerInput(o *object) domain.CustomerInput {
	in := domain.CustomerInput{
		CustomerNo:              f.str(o, domain.PropCustomerNo),
		NationalIdentifier:      f.nationalIdentifier(o, domain.PropNationalIdentifier),
		VATNo:                   f.str(o, domain.PropVATNo),
		LegalEntity:             f.str(o, domain.PropLegalEntity),
		Name:                    f.str(o, domain.PropName),
		EmailAddress:            f.str(o, domain.PropEmailAddress),
		ProtectedIdentity:       f.boolean(o, domain.PropProtectedIdentity),
		PreferredLanguageCode:   f.str(o, domain.PropPreferredLanguageCode),
		LegalStatus:             f.str(o, domain.PropLegalStatus),
		MSISDN:                  f.str(o, domain.PropMSISDN),
		DistributionType:        f.str(o, domain.PropDistributionType),
		TaxIdentificationNumber: f.str(o, domain.PropTaxIdentificationNumber),
		EDIAddressInfo:          f.ediAddressInfo(o),
		LegalAddress:            f.addressField(o, domain.PropLegalAddress),
		BillingAddress:          f.addressField(o, domain.PropBillingAddress),
	}
	f.unknown(o, "of a new customer")
	return in
}

// patchInput reads a PATCH body: only the patchable properties are allowed.
func (f *fields) patchInput(o *object) domain.PatchInput {
	in := domain.PatchInput{
		EmailAddress:            f.str(o, domain.PropEmailAddress),
		LegalStatus:             f.str(o, domain.PropLegalStatus),
		PreferredLanguageCode:   f.str(o, domain.PropPreferredLanguageCode),
		ProtectedIdentity:       f.boolean(o, domain.PropProtectedIdentity),
		MSISDN:                  f.str(o, domain.PropMSISDN),
		DistributionType:        f.str(o, domain.PropDistributionType),
		TaxIdentificationNumber: f.str(o, domain.PropTaxIdentificationNumber),
		EDIAddressInfo:          f.ediAddressInfo(o),
	}
	f.unknown(o, "that can be changed with PATCH (emailAddress, legalStatus, preferredLanguageCode, protectedIdentity, msisdn, distributionType, taxIdentificationNumber, eDIAddressInfo)")
	return in
}
