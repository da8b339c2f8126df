package domain

// Property names as the API spells them; validation problems and CustomerDetailsChanged.Removed
// use them.
const (
	PropCustomerNo              = "customerNo"
	PropNationalIdentifier      = "nationalIdentifier"
	PropVATNo                   = "vatNo"
	PropLegalEntity             = "legalEntity"
	PropName                    = "name"
	PropEmailAddress            = "emailAddress"
	PropProtectedIdentity       = "protectedIdentity"
	PropPreferredLanguageCode   = "preferredLanguageCode"
	PropLegalStatus             = "legalStatus"
	PropMSISDN                  = "msisdn"
	PropDistributionType        = "distributionType"
	PropTaxIdentificationNumber = "taxIdentificationNumber"
	PropEDIAddressInfo          = "eDIAddressInfo"
	PropLegalAddress            = "legalAddress"
	PropBillingAddress          = "billingAddress"
)

// CustomerInput is a create-customer request as the client sent it.
type CustomerInput struct {
	CustomerNo              Field[string]
	NationalIdentifier      Field[NationalIdentifierInput]
	VATNo                   Field[string]
	LegalEntity             Field[string]
	Name                    Field[string]
	EmailAddress            Field[string]
	ProtectedIdentity       Field[bool]
	PreferredLanguageCode   Field[string]
	LegalStatus             Field[string]
	MSISDN                  Field[string]
	DistributionType        Field[string]
	TaxIdentificationNumber Field[string]
	EDIAddressInfo          Field[EDIAddressInfoInput]
	LegalAddress            Field[AddressInput]
	BillingAddress          Field[AddressInput]
}

// NationalIdentifierInput is a nationalIdentifier object as sent.
type NationalIdentifierInput struct {
	RegNo       Field[string]
	CountryCode Field[string]
}

// EDIAddressInfoInput is an eDIAddressInfo object as sent.
type EDIAddressInfoInput struct {
	VAN                  Field[string]
	InterChangeRecipient Field[string]
	BuyerID              Field[string]
}

// AddressInput is an address object as sent.
type AddressInput struct {
	Addressee     Field[string]
	StreetAddress Field[string]
	CoAddress     Field[string]
	City          Field[string]
	ZipCode       Field[string]
	CountryCode   Field[string]
}

// PatchInput is a PATCH of a customer as sent: only these properties may be changed.
type PatchInput struct {
	EmailAddress            Field[string]
	LegalStatus             Field[string]
	PreferredLanguageCode   Field[string]
	ProtectedIdentity       Field[bool]
	MSISDN                  Field[string]
	DistributionType        Field[string]
	TaxIdentificationNumber Field[string]
	EDIAddressInfo          Field[EDIAddressInfoInput]
}
