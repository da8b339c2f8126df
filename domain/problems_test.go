package domain_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/nordledger/ledger/domain"
)

// TestParseCreateCustomerReportsEveryProblem sends five bad properties at once and expects five
// problems, none of which repeats what was sent (personal data must not leak).
func TestParseCreateCustomerReportsEveryProblem(t *testing.T) {
	in := validInput()
	in.CustomerNo = s("09999")
	in.NationalIdentifier = domain.Set(domain.NationalIdentifierInput{RegNo: s("19121212-1213"), CountryCode: s("SE")})
	in.EmailAddress = s("britt.axelstopp.com")
	a := validAddress()
	a.ZipCode = s("159 61 159 61")
	in.LegalAddress = domain.Set(a)
	in.EDIAddressInfo = domain.Set(domain.EDIAddressInfoInput{VAN: s("ABCXYZ"), BuyerID: s("12345678901234")})

	_, err := domain.ParseCreateCustomer(in, sePolicy, today)
	want := sorted("customerNo", "nationalIdentifier.regNo", "emailAddress", "legalAddress.zipCode", "eDIAddressInfo.BuyerId")
	if got := problemNames(t, err); !slices.Equal(got, want) {
		t.Fatalf("problems: got %v, want %v", got, want)
	}
	noLeak(t, err, "09999", "19121212-1213", "1912121213", "121212-1213", "britt.axelstopp.com", "britt", "axelstopp", "159 61 159 61", "1596115961", "12345678901234")
	if !errors.Is(err, domain.ErrValidation) || errors.Is(err, domain.ErrConflict) {
		t.Fatalf("error %v: wrong code", err)
	}
}

// TestParseCreateCustomerEverythingWrong: every property of a create request wrong at once.
func TestParseCreateCustomerEverythingWrong(t *testing.T) {
	r := strings.Repeat
	in := domain.CustomerInput{
		CustomerNo:              s("abc"),
		NationalIdentifier:      domain.Set(domain.NationalIdentifierInput{RegNo: s("556036-0793"), CountryCode: s("SE")}),
		VATNo:                   s("SE101010101002"),
		LegalEntity:             s("private"),
		Name:                    s(r("N", 73)),
		EmailAddress:            s("nobody"),
		ProtectedIdentity:       domain.Set(true),
		PreferredLanguageCode:   s("swedish"),
		LegalStatus:             s("dead"),
		MSISDN:                  s("0701234567"),
		DistributionType:        s("sms-only"),
		TaxIdentificationNumber: s(r("T", 21)),
		EDIAddressInfo:          domain.Set(domain.EDIAddressInfoInput{VAN: s(r("V", 256)), InterChangeRecipient: s(r("I", 14))}),
		LegalAddress:            domain.Set(domain.AddressInput{Addressee: s(" "), StreetAddress: s(r("S", 73)), CoAddress: s(r("C", 73)), City: s(r("c", 28)), ZipCode: s("1234567890"), CountryCode: s("XX")}),
		BillingAddress:          domain.Set(domain.AddressInput{}),
	}
	// protectedIdentity is allowed: the identifier is Swedish (an organisationsnummer, which a
	// consumer may not have — but legalEntity is not valid, so that rule does not apply either).
	want := sorted(
		"customerNo", "vatNo", "legalEntity", "name", "emailAddress", "preferredLanguageCode",
		"legalStatus", "msisdn", "distributionType", "taxIdentificationNumber",
		"eDIAddressInfo.VAN", "eDIAddressInfo.InterChangeRecipient", "eDIAddressInfo.BuyerId",
		"legalAddress.addressee", "legalAddress.streetAddress", "legalAddress.coAddress", "legalAddress.city",
		"legalAddress.zipCode", "legalAddress.countryCode",
		"billingAddress.addressee", "billingAddress.city", "billingAddress.zipCode", "billingAddress.countryCode",
	)
	_, err := domain.ParseCreateCustomer(in, sePolicy, today)
	if got := problemNames(t, err); !slices.Equal(got, want) {
		t.Fatalf("problems:\n got  %v\n want %v", got, want)
	}
	noLeak(t, err, "abc", "SE101010101002", "private", "nobody", "swedish", "dead", "0701234567", "sms-only", "1234567890", r("N", 73))
}

func TestParsePatchCustomerReportsEveryProblem(t *testing.T) {
	in := domain.PatchInput{
		EmailAddress:            s("britt.axelstopp.com"),
		LegalStatus:             s("alive"),
		PreferredLanguageCode:   s("svenska"),
		MSISDN:                  s("0701234567"),
		DistributionType:        s("carrier-pigeon"),
		TaxIdentificationNumber: s(""),
		EDIAddressInfo:          domain.Set(domain.EDIAddressInfoInput{InterChangeRecipient: s("12345678901234")}),
	}
	_, err := domain.ParsePatchCustomer(in)
	want := sorted("emailAddress", "legalStatus", "preferredLanguageCode", "msisdn", "distributionType",
		"taxIdentificationNumber", "eDIAddressInfo.InterChangeRecipient", "eDIAddressInfo.BuyerId")
	if got := problemNames(t, err); !slices.Equal(got, want) {
		t.Fatalf("problems:\n got  %v\n want %v", got, want)
	}
	noLeak(t, err, "britt.axelstopp.com", "alive", "svenska", "0701234567", "carrier-pigeon", "12345678901234")
}

// TestParsePatchCustomerValues: PATCH validates values exactly as create does.
func TestParsePatchCustomerValues(t *testing.T) {
	tests := []struct {
		name string
		in   domain.PatchInput
		want []string
	}{
		{"empty patch", domain.PatchInput{}, nil},
		{"every property null", domain.PatchInput{
			EmailAddress: domain.Null[string](), LegalStatus: domain.Null[string](), PreferredLanguageCode: domain.Null[string](),
			ProtectedIdentity: domain.Null[bool](), MSISDN: domain.Null[string](), DistributionType: domain.Null[string](),
			TaxIdentificationNumber: domain.Null[string](), EDIAddressInfo: domain.Null[domain.EDIAddressInfoInput](),
		}, nil},
		{"email", domain.PatchInput{EmailAddress: s("britt@axelstopp.com")}, nil},
		{"email empty", domain.PatchInput{EmailAddress: s("")}, sorted("emailAddress")},
		{"legalStatus upper case", domain.PatchInput{LegalStatus: s("DECEASED")}, nil},
		{"legalStatus unknown", domain.PatchInput{LegalStatus: s("gone")}, sorted("legalStatus")},
		{"language lower case", domain.PatchInput{PreferredLanguageCode: s("fi")}, nil},
		{"language unknown", domain.PatchInput{PreferredLanguageCode: s("DE")}, sorted("preferredLanguageCode")},
		{"msisdn too long", domain.PatchInput{MSISDN: s("+467200000000000")}, sorted("msisdn")},
		{"distributionType", domain.PatchInput{DistributionType: s("NoDistribution")}, nil},
		{"taxIdentificationNumber 21", domain.PatchInput{TaxIdentificationNumber: s(strings.Repeat("1", 21))}, sorted("taxIdentificationNumber")},
		{"taxIdentificationNumber blank", domain.PatchInput{TaxIdentificationNumber: s("  ")}, sorted("taxIdentificationNumber")},
		{"EDI without BuyerId", domain.PatchInput{EDIAddressInfo: domain.Set(domain.EDIAddressInfoInput{VAN: s("ABCXYZ")})}, sorted("eDIAddressInfo.BuyerId")},
		{"EDI VAN 256", domain.PatchInput{EDIAddressInfo: domain.Set(domain.EDIAddressInfoInput{VAN: s(strings.Repeat("V", 256)), BuyerID: s("1")})}, sorted("eDIAddressInfo.VAN")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := domain.ParsePatchCustomer(tt.in)
			if got := problemNames(t, err); !slices.Equal(got, tt.want) {
				t.Fatalf("problems: got %v, want %v", got, tt.want)
			}
		})
	}
}
