package domain_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/nordledger/ledger/domain"
)

func TestParseAddress(t *testing.T) {
	absent := domain.Field[string]{}
	r := strings.Repeat
	tests := []struct {
		name string
		edit func(*domain.AddressInput)
		want []string       // problem names without the "legalAddress." prefix; nil = valid
		got  domain.Address // when valid (zero: the unchanged validAddress)
	}{
		{"payex example", func(*domain.AddressInput) {}, nil, domain.Address{}},
		// addressee: required, ≤ 72.
		{"addressee absent", func(a *domain.AddressInput) { a.Addressee = absent }, []string{"addressee"}, domain.Address{}},
		{"addressee null", func(a *domain.AddressInput) { a.Addressee = domain.Null[string]() }, []string{"addressee"}, domain.Address{}},
		{"addressee blank", func(a *domain.AddressInput) { a.Addressee = s(" ") }, []string{"addressee"}, domain.Address{}},
		{"addressee 72", func(a *domain.AddressInput) { a.Addressee = s(r("å", 72)) }, nil, addr(func(a *domain.Address) { a.Addressee = r("å", 72) })},
		{"addressee 73", func(a *domain.AddressInput) { a.Addressee = s(r("å", 73)) }, []string{"addressee"}, domain.Address{}},
		// streetAddress and coAddress: optional, ≤ 72; blank counts as not given.
		{"streetAddress absent", func(a *domain.AddressInput) { a.StreetAddress = absent }, nil, addr(func(a *domain.Address) { a.StreetAddress = "" })},
		{"streetAddress empty", func(a *domain.AddressInput) { a.StreetAddress = s("") }, nil, addr(func(a *domain.Address) { a.StreetAddress = "" })},
		{"streetAddress blank", func(a *domain.AddressInput) { a.StreetAddress = s("  ") }, nil, addr(func(a *domain.Address) { a.StreetAddress = "" })},
		{"streetAddress 72", func(a *domain.AddressInput) { a.StreetAddress = s(r("x", 72)) }, nil, addr(func(a *domain.Address) { a.StreetAddress = r("x", 72) })},
		{"streetAddress 73", func(a *domain.AddressInput) { a.StreetAddress = s(r("x", 73)) }, []string{"streetAddress"}, domain.Address{}},
		{"streetAddress control character", func(a *domain.AddressInput) { a.StreetAddress = s("The street\n18") }, []string{"streetAddress"}, domain.Address{}},
		{"coAddress null", func(a *domain.AddressInput) { a.CoAddress = domain.Null[string]() }, nil, addr(func(a *domain.Address) { a.CoAddress = "" })},
		{"coAddress empty", func(a *domain.AddressInput) { a.CoAddress = s("") }, nil, addr(func(a *domain.Address) { a.CoAddress = "" })},
		{"coAddress 72", func(a *domain.AddressInput) { a.CoAddress = s(r("c", 72)) }, nil, addr(func(a *domain.Address) { a.CoAddress = r("c", 72) })},
		{"coAddress 73", func(a *domain.AddressInput) { a.CoAddress = s(r("c", 73)) }, []string{"coAddress"}, domain.Address{}},
		// city: required, ≤ 27.
		{"city absent", func(a *domain.AddressInput) { a.City = absent }, []string{"city"}, domain.Address{}},
		{"city empty", func(a *domain.AddressInput) { a.City = s("") }, []string{"city"}, domain.Address{}},
		{"city 27", func(a *domain.AddressInput) { a.City = s(r("Ö", 27)) }, nil, addr(func(a *domain.Address) { a.City = r("Ö", 27) })},
		{"city 28", func(a *domain.AddressInput) { a.City = s(r("Ö", 28)) }, []string{"city"}, domain.Address{}},
		{"city trimmed", func(a *domain.AddressInput) { a.City = s(" STOCKHOLM ") }, nil, domain.Address{}},
		// zipCode: required, ≤ 9 after all whitespace is removed; the general rules are shown on a
		// British address (no national format checked), SE/NO/DK/FI below.
		{"zipCode with space", func(a *domain.AddressInput) { a.ZipCode = s("159 61") }, nil, domain.Address{}},
		{"zipCode with tab, NBSP and newline", func(a *domain.AddressInput) { a.ZipCode = s("\t159\u00a061\n") }, nil, domain.Address{}},
		{"zipCode 9", func(a *domain.AddressInput) { gb(a, "123456789") }, nil, gbAddr("123456789")},
		{"zipCode 9 after stripping 9 spaces", func(a *domain.AddressInput) { gb(a, "1 2 3 4 5 6 7 8 9 ") }, nil, gbAddr("123456789")},
		{"zipCode 10", func(a *domain.AddressInput) { gb(a, "1234567890") }, []string{"zipCode"}, domain.Address{}},
		{"zipCode 10 with spaces", func(a *domain.AddressInput) { gb(a, "12345 67890") }, []string{"zipCode"}, domain.Address{}},
		{"zipCode letters", func(a *domain.AddressInput) { gb(a, "SW1A 1AA") }, nil, gbAddr("SW1A1AA")},
		{"zipCode blank", func(a *domain.AddressInput) { a.ZipCode = s("   ") }, []string{"zipCode"}, domain.Address{}},
		{"zipCode absent", func(a *domain.AddressInput) { a.ZipCode = absent }, []string{"zipCode"}, domain.Address{}},
		{"zipCode control character", func(a *domain.AddressInput) { gb(a, "159\x0061") }, []string{"zipCode"}, domain.Address{}},
		// zipCode by country: SE and FI 5 digits, NO and DK 4.
		{"SE zipCode letters", func(a *domain.AddressInput) { a.ZipCode = s("ABC") }, []string{"zipCode"}, domain.Address{}},
		{"SE zipCode 4 digits", func(a *domain.AddressInput) { a.ZipCode = s("1596") }, []string{"zipCode"}, domain.Address{}},
		{"SE zipCode 6 digits", func(a *domain.AddressInput) { a.ZipCode = s("159 611") }, []string{"zipCode"}, domain.Address{}},
		{"SE zipCode 1", func(a *domain.AddressInput) { a.ZipCode = s("1") }, []string{"zipCode"}, domain.Address{}},
		{"SE zipCode with prefix", func(a *domain.AddressInput) { a.ZipCode = s("SE-159 61") }, []string{"zipCode"}, domain.Address{}},
		{"se zipCode NNN NN", func(a *domain.AddressInput) { a.ZipCode, a.CountryCode = s("111 22"), s("se") }, nil, addr(func(a *domain.Address) { a.ZipCode = "11122" })},
		{"NO zipCode", func(a *domain.AddressInput) { a.ZipCode, a.CountryCode = s("0154"), s("NO") }, nil,
			addr(func(a *domain.Address) { a.ZipCode, a.CountryCode = "0154", "NO" })},
		{"NO zipCode 5 digits", func(a *domain.AddressInput) { a.ZipCode, a.CountryCode = s("01540"), s("NO") }, []string{"zipCode"}, domain.Address{}},
		{"DK zipCode", func(a *domain.AddressInput) { a.ZipCode, a.CountryCode = s("1550"), s("dk") }, nil,
			addr(func(a *domain.Address) { a.ZipCode, a.CountryCode = "1550", "DK" })},
		{"DK zipCode 5 digits", func(a *domain.AddressInput) { a.ZipCode, a.CountryCode = s("15961"), s("DK") }, []string{"zipCode"}, domain.Address{}},
		{"FI zipCode", func(a *domain.AddressInput) { a.ZipCode, a.CountryCode = s("00100"), s("FI") }, nil,
			addr(func(a *domain.Address) { a.ZipCode, a.CountryCode = "00100", "FI" })},
		{"FI zipCode 4 digits", func(a *domain.AddressInput) { a.ZipCode, a.CountryCode = s("0010"), s("FI") }, []string{"zipCode"}, domain.Address{}},
		{"zipCode not checked against an unknown country", func(a *domain.AddressInput) { a.ZipCode, a.CountryCode = s("ABC"), s("XX") }, []string{"countryCode"}, domain.Address{}},
		// countryCode: required, ISO 3166-1 alpha-2, upper-cased.
		{"countryCode lower case", func(a *domain.AddressInput) { a.CountryCode = s("se") }, nil, domain.Address{}},
		{"countryCode mixed case", func(a *domain.AddressInput) { a.CountryCode, a.ZipCode = s("nO"), s("0154") }, nil,
			addr(func(a *domain.Address) { a.CountryCode, a.ZipCode = "NO", "0154" })},
		{"countryCode surrounding space", func(a *domain.AddressInput) { a.CountryCode = s(" se ") }, nil, domain.Address{}},
		{"countryCode alpha-3", func(a *domain.AddressInput) { a.CountryCode = s("SWE") }, []string{"countryCode"}, domain.Address{}},
		{"countryCode unassigned", func(a *domain.AddressInput) { a.CountryCode = s("XX") }, []string{"countryCode"}, domain.Address{}},
		{"countryCode alias UK", func(a *domain.AddressInput) { a.CountryCode = s("UK") }, []string{"countryCode"}, domain.Address{}},
		{"countryCode empty", func(a *domain.AddressInput) { a.CountryCode = s("") }, []string{"countryCode"}, domain.Address{}},
		{"countryCode absent", func(a *domain.AddressInput) { a.CountryCode = absent }, []string{"countryCode"}, domain.Address{}},
		// Everything wrong at once.
		{"all wrong", func(a *domain.AddressInput) {
			*a = domain.AddressInput{StreetAddress: s(r("x", 73)), CoAddress: s(r("x", 73))}
		},
			[]string{"addressee", "streetAddress", "coAddress", "city", "zipCode", "countryCode"}, domain.Address{}},
	}
	for _, tt := range tests {
		for _, field := range []string{"legalAddress", "billingAddress", ""} {
			t.Run(tt.name+"/"+field, func(t *testing.T) {
				in := validAddress()
				tt.edit(&in)
				got, err := domain.ParseAddress(in, field)
				var want []string
				for _, n := range tt.want {
					if field != "" {
						n = field + "." + n
					}
					want = append(want, n)
				}
				if g := problemNames(t, err); !slices.Equal(g, sorted(want...)) {
					t.Fatalf("problems: got %v, want %v", g, sorted(want...))
				}
				if err != nil {
					return
				}
				wantAddr := tt.got
				if wantAddr == (domain.Address{}) {
					wantAddr = addr(func(*domain.Address) {})
				}
				if got != wantAddr {
					t.Fatalf("got %+v, want %+v", got, wantAddr)
				}
			})
		}
	}
}

// gb makes a British address with the zip code zip: Great Britain has no national format here.
func gb(a *domain.AddressInput, zip string) { a.ZipCode, a.CountryCode = s(zip), s("GB") }

// gbAddr is the parsed validAddress in Great Britain with the zip code zip.
func gbAddr(zip string) domain.Address {
	return addr(func(a *domain.Address) { a.ZipCode, a.CountryCode = zip, "GB" })
}

// addr returns the parsed validAddress changed by edit.
func addr(edit func(*domain.Address)) domain.Address {
	a := domain.Address{
		Addressee:     "Britt-Marie Axelstopp",
		StreetAddress: "The street 18",
		CoAddress:     "c/o Jansson",
		City:          "STOCKHOLM",
		ZipCode:       "15961",
		CountryCode:   "SE",
	}
	edit(&a)
	return a
}

func TestParseCreateCustomerAddresses(t *testing.T) {
	tests := []struct {
		name string
		edit func(*domain.CustomerInput)
		want []string
	}{
		{"legal address absent", func(in *domain.CustomerInput) { in.LegalAddress = domain.Field[domain.AddressInput]{} }, sorted("legalAddress")},
		{"legal address null", func(in *domain.CustomerInput) { in.LegalAddress = domain.Null[domain.AddressInput]() }, sorted("legalAddress")},
		{"legal address empty object", func(in *domain.CustomerInput) { in.LegalAddress = domain.Set(domain.AddressInput{}) },
			sorted("legalAddress.addressee", "legalAddress.city", "legalAddress.zipCode", "legalAddress.countryCode")},
		{"billing address null", func(in *domain.CustomerInput) { in.BillingAddress = domain.Null[domain.AddressInput]() }, nil},
		{"billing address bad zip", func(in *domain.CustomerInput) {
			a := validAddress()
			a.ZipCode = s("1234567890")
			in.BillingAddress = domain.Set(a)
		}, sorted("billingAddress.zipCode")},
		{"billing address SE zip letters", func(in *domain.CustomerInput) {
			a := validAddress()
			a.ZipCode = s("ABC")
			in.BillingAddress = domain.Set(a)
		}, sorted("billingAddress.zipCode")},
		{"legal address NO zip of 5 digits", func(in *domain.CustomerInput) {
			a := validAddress()
			a.ZipCode, a.CountryCode = s("01540"), s("NO")
			in.LegalAddress = domain.Set(a)
		}, sorted("legalAddress.zipCode")},
		{"both addresses bad", func(in *domain.CustomerInput) {
			a := validAddress()
			a.City = s(strings.Repeat("x", 28))
			in.LegalAddress = domain.Set(a)
			in.BillingAddress = domain.Set(a)
		}, sorted("legalAddress.city", "billingAddress.city")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, got := createWith(t, tt.edit)
			if !slices.Equal(got, tt.want) {
				t.Fatalf("problems: got %v, want %v", got, tt.want)
			}
		})
	}
}

// TestPostalCodeProblem pins the problem of a postal code that breaks its country's format: it
// names the property path and the rule, and never the submitted value.
func TestPostalCodeProblem(t *testing.T) {
	tests := []struct {
		field, zip, country, want string
	}{
		{"legalAddress", "ABCDE", "SE", "legalAddress.zipCode is not a valid SE postal code: A Swedish postal code has 5 digits (NNNNN or NNN NN)."},
		{"billingAddress", "01540", "NO", "billingAddress.zipCode is not a valid NO postal code: A Norwegian postal code has 4 digits."},
		{"", "155000", "DK", "zipCode is not a valid DK postal code: A Danish postal code has 4 digits."},
		{"address", "FI-00100", "FI", "address.zipCode is not a valid FI postal code: A Finnish postal code has 5 digits."},
	}
	for _, tt := range tests {
		in := validAddress()
		in.ZipCode, in.CountryCode = s(tt.zip), s(tt.country)
		_, err := domain.ParseAddress(in, tt.field)
		ps := problemsOf(t, err)
		if len(ps) != 1 || ps[0].Name != strings.TrimPrefix(tt.field+".zipCode", ".") || ps[0].Description != tt.want {
			t.Fatalf("%s %s: got %+v, want one problem %q", tt.country, tt.zip, ps, tt.want)
		}
		noLeak(t, err, tt.zip)
	}
}
