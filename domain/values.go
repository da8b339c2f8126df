package domain

// Address is a validated postal address (legal or billing).
type Address struct {
	Addressee     string `json:"addressee"`
	StreetAddress string `json:"streetAddress,omitempty"`
	CoAddress     string `json:"coAddress,omitempty"`
	City          string `json:"city"`
	ZipCode       string `json:"zipCode"`
	CountryCode   string `json:"countryCode"`
}

// NationalIdentifier is a validated national identity or organisation number, in its canonical
// form (see nordic.ParseNationalID).
type NationalIdentifier struct {
	RegNo       string `json:"regNo"`
	CountryCode string `json:"countryCode"`
}

// EDIAddressInfo is the customer's e-invoice (EDI) addressing.
type EDIAddressInfo struct {
	VAN                  string `json:"van,omitempty"`
	InterChangeRecipient string `json:"interChangeRecipient,omitempty"`
	BuyerID              string `json:"buyerId"`
}

// Enumerations: the values the API accepts (case-insensitively) and renders.
const (
	LegalEntityConsumer = "consumer"
	LegalEntityBusiness = "business"

	LegalStatusActive   = "active"
	LegalStatusDeceased = "deceased"

	DistributionPostal         = "postal"
	DistributionNoDistribution = "noDistribution"
)

var (
	legalEntities     = []string{LegalEntityConsumer, LegalEntityBusiness}
	legalStatuses     = []string{LegalStatusActive, LegalStatusDeceased}
	distributionTypes = []string{DistributionPostal, DistributionNoDistribution}
	languageCodes     = []string{"SV", "NO", "DA", "FI", "EN"}
)

// ActiveConsent names (SPEC §4), as rendered in activeConsents.
const (
	ConsentAutogiro              = "Autogiro"
	ConsentAvtalegiro            = "Avtalegiro"
	ConsentBetalingsservice      = "Betalingsservice"
	ConsentRecurringCard         = "RecurringCard"
	ConsentRecurringInvoiceToken = "RecurringInvoiceToken"
	ConsentEInvoice              = "EInvoice"
	ConsentKivra                 = "Kivra"
	ConsentEBoks                 = "EBoks"
)

// AddressSource says where a legal address came from.
type AddressSource string

// Address sources.
const (
	SourceAPI                AddressSource = "api"
	SourcePopulationRegister AddressSource = "population-register"
)
