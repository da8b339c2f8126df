package domain_test

import (
	"reflect"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/nordledger/ledger/domain"
)

// field turns a fuzzed string into a field: "\x00" alone is absent, "\x01" alone is null.
func field(v string) domain.Field[string] {
	switch v {
	case "\x00":
		return domain.Field[string]{}
	case "\x01":
		return domain.Null[string]()
	}
	return domain.Set(v)
}

func FuzzParseCreateCustomer(f *testing.F) {
	f.Add("9999", tolvan, "SE", "SE101010101001", "consumer", "Britt-Marie Axelstopp", "britt@axelstopp.com", "SV", "active", "+91485918841", "postal", "123456789", "ABCXYZ", "123456", "The street 18", "STOCKHOLM", "159 61", "SE", false)
	f.Add("0", "556036-0793", "se", "se556036079301", "CONSUMER", " ", "a@b", "sv", "DECEASED", "+1234", "NODISTRIBUTION", "", "", "", "", "", "\t", "se", true)
	f.Add("\x00", "131052Y308T", "FI", "FI20774740", "business", strings.Repeat("ö", 72), "\x01", "\x00", "\x01", "\x00", "noDistribution", "\x01", "\x01", "\x00", "\x01", "HELSINKI", "00100", "FI", true)
	f.Add("1234567", "41018512430", "NO", "NO995525828MVA", "buſiness", "N\x00", "x@y.z", "NO", "dead", "+0", "email", strings.Repeat("9", 21), "V", "B", "\xff", "Oslo", "1 2 3 4 5 6 7 8 9", "no", false)
	f.Add("1234568", "261227+3033", "SE", "\x00", "consumer", "Hundra Åring", "\x00", "SV", "active", "\x00", "postal", "\x00", "\x00", "\x00", "Storgatan 1", "OSLO", "01540", "NO", false)
	f.Add("1234569", "15108695088", "NO", "\x00", "consumer", "Ola Nordmann", "\x00", "NO", "active", "\x00", "postal", "\x00", "\x00", "\x00", "Karl Johans gate 1", "OSLO", "0154", "NO", false)
	f.Add("1234570", "211062-5629", "DK", "\x00", "consumer", "Jens Hansen", "\x00", "DA", "active", "\x00", "postal", "\x00", "\x00", "\x00", "Rådhuspladsen 1", "KØBENHAVN V", "ABC", "SE", false)
	f.Fuzz(func(t *testing.T, customerNo, regNo, niCountry, vatNo, legalEntity, name, email, language, legalStatus, msisdn, distribution, taxID, van, buyerID, street, city, zip, country string, protected bool) {
		in := domain.CustomerInput{
			CustomerNo:              field(customerNo),
			NationalIdentifier:      domain.Set(domain.NationalIdentifierInput{RegNo: field(regNo), CountryCode: field(niCountry)}),
			VATNo:                   field(vatNo),
			LegalEntity:             field(legalEntity),
			Name:                    field(name),
			EmailAddress:            field(email),
			ProtectedIdentity:       domain.Set(protected),
			PreferredLanguageCode:   field(language),
			LegalStatus:             field(legalStatus),
			MSISDN:                  field(msisdn),
			DistributionType:        field(distribution),
			TaxIdentificationNumber: field(taxID),
			EDIAddressInfo:          domain.Set(domain.EDIAddressInfoInput{VAN: field(van), InterChangeRecipient: field(van), BuyerID: field(buyerID)}),
			LegalAddress:            domain.Set(domain.AddressInput{Addressee: field(name), StreetAddress: field(street), CoAddress: field(street), City: field(city), ZipCode: field(zip), CountryCode: field(country)}),
			BillingAddress:          domain.Set(domain.AddressInput{Addressee: field(name), City: field(city), ZipCode: field(zip), CountryCode: field(country)}),
		}
		for _, p := range []domain.LedgerPolicy{sePolicy, {CustomerNoLength: 7}, {GenerateCustomerNumbers: true}} {
			cmd, err := domain.ParseCreateCustomer(in, p, today)
			if err != nil {
				for _, pr := range problemsOf(t, err) {
					for _, v := range []string{customerNo, regNo, vatNo, name, email, msisdn, taxID, buyerID, street, city, zip} {
						if len(v) >= 8 && strings.Contains(pr.Description, v) {
							t.Fatalf("problem %s leaks a submitted value: %q", pr.Name, pr.Description)
						}
					}
				}
				continue
			}
			if p.GenerateCustomerNumbers {
				cmd = cmd.WithCustomerNo("1000001")
			}
			events, err := new(domain.Customer).Create(cmd)
			if err != nil {
				t.Fatalf("Create after a successful parse: %v", err)
			}
			checkCreated(t, p, events[0].(domain.CustomerCreated))
			checkAddress(t, events[1].(domain.BillingAddressAdded).Address)
			for _, e := range events {
				typ, version, data, err := domain.EncodeEvent(e)
				if err != nil {
					t.Fatal(err)
				}
				back, err := domain.DecodeEvent(typ, version, data)
				if err != nil || !reflect.DeepEqual(back, e) {
					t.Fatalf("%s does not round-trip: %v\n got  %#v\n want %#v", data, err, back, e)
				}
			}
		}
	})
}

// checkCreated asserts that a created customer satisfies the rules of SPEC §4.
func checkCreated(t *testing.T, p domain.LedgerPolicy, e domain.CustomerCreated) {
	t.Helper()
	if !p.ValidCustomerNo(e.CustomerNo) && !p.GenerateCustomerNumbers {
		t.Fatalf("customerNo %q is not valid", e.CustomerNo)
	}
	if p.GenerateCustomerNumbers && e.NationalIdentifier == nil {
		t.Fatal("generated customer number without a national identifier")
	}
	if ni := e.NationalIdentifier; ni != nil && (ni.RegNo == "" || ni.CountryCode != strings.ToUpper(ni.CountryCode) || len(ni.CountryCode) != 2) {
		t.Fatalf("national identifier %+v", ni)
	}
	checkText(t, "name", e.Name, 1, 72)
	checkText(t, "taxIdentificationNumber", e.TaxIdentificationNumber, 0, 20)
	if e.VATNo != "" && (len(e.VATNo) < 7 || len(e.VATNo) > 17 || e.VATNo[0] < 'A' || e.VATNo[0] > 'Z' || e.VATNo[1] < 'A' || e.VATNo[1] > 'Z') {
		t.Fatalf("vatNo %q", e.VATNo)
	}
	if e.EmailAddress != "" && (len(e.EmailAddress) > 254 || !strings.Contains(e.EmailAddress, "@")) {
		t.Fatalf("emailAddress %q", e.EmailAddress)
	}
	if m := e.MSISDN; m != "" && (len(m) < 5 || len(m) > 15 || m[0] != '+' || strings.Trim(m[1:], "0123456789") != "") {
		t.Fatalf("msisdn %q", m)
	}
	oneOf(t, "legalEntity", e.LegalEntity, "", "consumer", "business")
	oneOf(t, "legalStatus", e.LegalStatus, "active", "deceased")
	oneOf(t, "preferredLanguageCode", e.PreferredLanguageCode, "", "SV", "NO", "DA", "FI", "EN")
	oneOf(t, "distributionType", e.DistributionType, "", "postal", "noDistribution")
	if edi := e.EDIAddressInfo; edi != nil {
		checkText(t, "VAN", edi.VAN, 0, 255)
		checkText(t, "InterChangeRecipient", edi.InterChangeRecipient, 0, 13)
		checkText(t, "BuyerId", edi.BuyerID, 1, 13)
	}
	checkAddress(t, e.LegalAddress)
	if e.ProtectedIdentity {
		st := domain.CustomerState{NationalIdentifier: e.NationalIdentifier, LegalAddress: &e.LegalAddress}
		if !st.Swedish() {
			t.Fatal("protectedIdentity for a customer who is not Swedish")
		}
	}
}

func checkAddress(t *testing.T, a domain.Address) {
	t.Helper()
	checkText(t, "addressee", a.Addressee, 1, 72)
	checkText(t, "streetAddress", a.StreetAddress, 0, 72)
	checkText(t, "coAddress", a.CoAddress, 0, 72)
	checkText(t, "city", a.City, 1, 27)
	checkText(t, "zipCode", a.ZipCode, 1, 9)
	if strings.IndexFunc(a.ZipCode, unicode.IsSpace) >= 0 {
		t.Fatalf("zipCode %q contains whitespace", a.ZipCode)
	}
	if len(a.CountryCode) != 2 || a.CountryCode != strings.ToUpper(a.CountryCode) {
		t.Fatalf("countryCode %q", a.CountryCode)
	}
	digits := map[string]int{"SE": 5, "FI": 5, "NO": 4, "DK": 4}[a.CountryCode]
	if digits > 0 && (len(a.ZipCode) != digits || strings.Trim(a.ZipCode, "0123456789") != "") {
		t.Fatalf("zipCode %q is not %d digits (%s)", a.ZipCode, digits, a.CountryCode)
	}
}

// checkText asserts that a stored text is trimmed valid UTF-8 of min–max runes without control
// characters.
func checkText(t *testing.T, name, v string, min, max int) {
	t.Helper()
	n := utf8.RuneCountInString(v)
	if !utf8.ValidString(v) || n < min || n > max || strings.TrimSpace(v) != v || strings.IndexFunc(v, unicode.IsControl) >= 0 {
		t.Fatalf("%s %q breaks its rule (%d–%d characters)", name, v, min, max)
	}
}

func oneOf(t *testing.T, name, v string, allowed ...string) {
	t.Helper()
	for _, a := range allowed {
		if v == a {
			return
		}
	}
	t.Fatalf("%s %q is not one of %q", name, v, allowed)
}
