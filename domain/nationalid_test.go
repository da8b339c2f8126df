package domain_test

import (
	"slices"
	"testing"

	"github.com/nordledger/ledger/domain"
)

func TestParseCreateCustomerNationalIdentifier(t *testing.T) {
	const bad = "" // want: rejected with a nationalIdentifier.regNo problem
	tests := []struct {
		name        string
		country     string
		regNo       string
		legalEntity string
		want        string // canonical regNo, or bad
	}{
		// Sweden: personnummer, samordningsnummer, organisationsnummer.
		{"SE Tolvan", "SE", tolvan, "consumer", tolvan},
		{"SE 12 digits without separator", "SE", "191212121212", "consumer", tolvan},
		{"SE 10 digits, + for 100 years or older", "SE", "121212+1212", "consumer", tolvan},
		{"SE 10 digits resolve to the latest century (2012)", "SE", "121212-1212", "consumer", "20121212-1212"},
		{"SE surrounding whitespace", "SE", "  19121212-1212 ", "consumer", tolvan},
		{"SE personnummer", "SE", "811228-9874", "consumer", "19811228-9874"},
		{"SE personnummer, wrong check digit", "SE", "19121212-1213", "consumer", bad},
		{"SE personnummer, wrong check digit (10)", "SE", "811228-9875", "consumer", bad},
		{"SE personnummer, no such date", "SE", "19010229-1234", "consumer", bad},
		{"SE personnummer, born in the future", "SE", "20301212-1212", "consumer", bad},
		{"SE samordningsnummer", "SE", "701063-2391", "consumer", "19701063-2391"},
		{"SE samordningsnummer, wrong check digit", "SE", "701063-2392", "consumer", bad},
		{"SE interim number", "SE", "811228-T874", "consumer", bad},
		{"SE organisationsnummer, business", "SE", "556036-0793", "business", "556036-0793"},
		{"SE organisationsnummer without hyphen", "SE", "5560360793", "business", "556036-0793"},
		{"SE organisationsnummer, 12 digits", "SE", "165560360793", "business", "556036-0793"},
		{"SE organisationsnummer, wrong check digit", "SE", "556036-0794", "business", bad},
		{"SE consumer with an organisationsnummer", "SE", "556036-0793", "consumer", bad},
		{"SE business (sole trader) with a personnummer", "SE", tolvan, "business", tolvan},
		{"SE organisationsnummer without legalEntity", "SE", "556036-0793", "", "556036-0793"},
		{"SE lower-case country code", "se", tolvan, "consumer", tolvan},
		{"SE letters", "SE", "ABCDEFGH-IJKL", "consumer", bad},
		// Norway: fødselsnummer, D-number, organisation number.
		{"NO fødselsnummer", "NO", "15108695088", "consumer", "15108695088"},
		{"NO fødselsnummer with space", "NO", "151086 95088", "consumer", "15108695088"},
		{"NO fødselsnummer, wrong control digits", "NO", "15108695077", "consumer", bad},
		{"NO D-number", "NO", "41018512430", "consumer", "41018512430"},
		{"NO D-number, wrong control digit", "NO", "41018512431", "consumer", bad},
		{"NO organisation number, business", "NO", "995525828", "business", "995525828"},
		{"NO organisation number, consumer", "NO", "995525828", "consumer", bad},
		{"NO FH-number", "NO", "81018512345", "consumer", bad},
		// Denmark: CPR, CVR.
		{"DK CPR", "DK", "211062-5629", "consumer", "211062-5629"},
		{"DK CPR without hyphen", "DK", "2110625629", "consumer", "211062-5629"},
		{"DK CPR without mod-11 check digit", "DK", "010107-4000", "consumer", "010107-4000"},
		{"DK CPR, no such date", "DK", "511062-5629", "consumer", bad},
		{"DK CPR, born in the future", "DK", "010136-4000", "consumer", bad},
		{"DK CVR, business", "DK", "13585628", "business", "13585628"},
		{"DK CVR, consumer", "DK", "13585628", "consumer", bad},
		// Finland: HETU with every century sign, Y-tunnus.
		{"FI HETU + (1800s)", "FI", "010100+123D", "consumer", "010100+123D"},
		{"FI HETU - (1900s)", "FI", "131052-308T", "consumer", "131052-308T"},
		{"FI HETU Y (1900s)", "FI", "131052Y308T", "consumer", "131052Y308T"},
		{"FI HETU X (1900s)", "FI", "131052X308T", "consumer", "131052X308T"},
		{"FI HETU W (1900s)", "FI", "131052W308T", "consumer", "131052W308T"},
		{"FI HETU V (1900s)", "FI", "131052V308T", "consumer", "131052V308T"},
		{"FI HETU U (1900s)", "FI", "131052U308T", "consumer", "131052U308T"},
		{"FI HETU A (2000s)", "FI", "010516A903X", "consumer", "010516A903X"},
		{"FI HETU B (2000s)", "FI", "010516B903X", "consumer", "010516B903X"},
		{"FI HETU C (2000s)", "FI", "010516C903X", "consumer", "010516C903X"},
		{"FI HETU D (2000s)", "FI", "010516D903X", "consumer", "010516D903X"},
		{"FI HETU E (2000s)", "FI", "010516E903X", "consumer", "010516E903X"},
		{"FI HETU F (2000s)", "FI", "010516F903X", "consumer", "010516F903X"},
		{"FI HETU lower case", "fi", "131052y308t", "consumer", "131052Y308T"},
		{"FI HETU, wrong check character", "FI", "131052-308U", "consumer", bad},
		{"FI HETU, unknown century sign", "FI", "131052G308T", "consumer", bad},
		{"FI HETU, born in the future", "FI", "160626A123U", "consumer", bad},
		{"FI Y-tunnus, business", "FI", "2077474-0", "business", "2077474-0"},
		{"FI Y-tunnus, consumer", "FI", "2077474-0", "consumer", bad},
		// Other countries: 1–20 characters.
		{"DE other", "DE", " X123-456 ", "consumer", "X123-456"},
		{"DE 20 characters", "DE", "12345678901234567890", "business", "12345678901234567890"},
		{"DE 21 characters", "DE", "123456789012345678901", "business", bad},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := minimalInput()
			in.NationalIdentifier = domain.Set(domain.NationalIdentifierInput{RegNo: s(tt.regNo), CountryCode: s(tt.country)})
			if tt.legalEntity != "" {
				in.LegalEntity = s(tt.legalEntity)
			}
			cmd, err := domain.ParseCreateCustomer(in, sePolicy, today)
			noLeak(t, err, tt.regNo)
			if tt.want == bad {
				if got, want := problemNames(t, err), []string{"nationalIdentifier.regNo"}; !slices.Equal(got, want) {
					t.Fatalf("problems: got %v, want %v", got, want)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error %v", err)
			}
			got := cmd.NationalIdentifier()
			want := domain.NationalIdentifier{RegNo: tt.want, CountryCode: upper(tt.country)}
			if got == nil || *got != want {
				t.Fatalf("got %+v, want %+v", got, want)
			}
			events, err := new(domain.Customer).Create(cmd)
			if err != nil {
				t.Fatal(err)
			}
			if got := events[0].(domain.CustomerCreated).NationalIdentifier; got == nil || *got != want {
				t.Fatalf("stored: got %+v, want %+v", got, want)
			}
		})
	}
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

func TestParseNationalIdentifierParts(t *testing.T) {
	absent := domain.Field[string]{}
	tests := []struct {
		name    string
		field   string
		regNo   domain.Field[string]
		country domain.Field[string]
		want    []string
	}{
		{"valid", "nationalIdentifier", s(tolvan), s("SE"), nil},
		{"regNo absent", "nationalIdentifier", absent, s("SE"), sorted("nationalIdentifier.regNo")},
		{"regNo null", "nationalIdentifier", domain.Null[string](), s("SE"), sorted("nationalIdentifier.regNo")},
		{"regNo blank", "nationalIdentifier", s("   "), s("SE"), sorted("nationalIdentifier.regNo")},
		{"countryCode absent", "nationalIdentifier", s(tolvan), absent, sorted("nationalIdentifier.countryCode")},
		{"countryCode empty", "nationalIdentifier", s(tolvan), s(""), sorted("nationalIdentifier.countryCode")},
		{"countryCode alpha-3", "nationalIdentifier", s(tolvan), s("SWE"), sorted("nationalIdentifier.countryCode")},
		{"countryCode unassigned", "nationalIdentifier", s(tolvan), s("XX"), sorted("nationalIdentifier.countryCode")},
		{"countryCode alias UK", "nationalIdentifier", s("AB123456C"), s("UK"), sorted("nationalIdentifier.countryCode")},
		{"both absent", "nationalIdentifier", absent, absent, sorted("nationalIdentifier.regNo", "nationalIdentifier.countryCode")},
		{"both bad", "nationalIdentifier", s("   "), s("XX"), sorted("nationalIdentifier.regNo", "nationalIdentifier.countryCode")},
		{"whole body", "", absent, absent, sorted("regNo", "countryCode")},
		{"whole body, bad regNo", "", s("19121212-1213"), s("SE"), sorted("regNo")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ni, id, err := domain.ParseNationalIdentifier(domain.NationalIdentifierInput{RegNo: tt.regNo, CountryCode: tt.country}, tt.field, today)
			if got := problemNames(t, err); !slices.Equal(got, tt.want) {
				t.Fatalf("problems: got %v, want %v", got, tt.want)
			}
			noLeak(t, err, tt.regNo.Value, tt.country.Value)
			if err != nil {
				return
			}
			if got, want := ni, (domain.NationalIdentifier{RegNo: tolvan, CountryCode: "SE"}); got != want {
				t.Fatalf("got %+v, want %+v", got, want)
			}
			if !id.Person || id.Canonical != tolvan {
				t.Fatalf("nordic id: got %+v", id)
			}
		})
	}
}
