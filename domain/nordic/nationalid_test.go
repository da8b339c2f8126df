package nordic

import (
	"strings"
	"testing"
)

func TestParseNationalIDOtherCountries(t *testing.T) {
	tests := []struct {
		country, in string
		want        NationalID
		reason      Reason
	}{
		{"de", " X123-456 ", NationalID{CountryCode: "DE", Canonical: "X123-456", Kind: KindOther}, ""},
		{"GB", "AB123456C", NationalID{CountryCode: "GB", Canonical: "AB123456C", Kind: KindOther}, ""},
		{"XK", "1234567890", NationalID{CountryCode: "XK", Canonical: "1234567890", Kind: KindOther}, ""},
		{"DE", strings.Repeat("1", 20), NationalID{CountryCode: "DE", Canonical: strings.Repeat("1", 20), Kind: KindOther}, ""},
		{"DE", strings.Repeat("ü", 20), NationalID{CountryCode: "DE", Canonical: strings.Repeat("ü", 20), Kind: KindOther}, ""},
		{"DE", strings.Repeat("1", 21), NationalID{}, ReasonLength},
		{"DE", "12\x0034", NationalID{}, ReasonFormat},
		{"DE", "\xff\xfe", NationalID{}, ReasonFormat},
		{"DE", "  ", NationalID{}, ReasonEmpty},
		{"GB", "AB 123456 C", NationalID{CountryCode: "GB", Canonical: "AB 123456 C", Kind: KindOther}, ""},
		// Invisible and look-alike characters would make a second customer with the same
		// visible identifier: refused, never stored as something else.
		{"DE", "AB123456\u200b", NationalID{}, ReasonFormat},       // zero-width space
		{"DE", "\ufeffAB123456", NationalID{}, ReasonFormat},       // byte-order mark
		{"DE", "AB\u00ad123456", NationalID{}, ReasonFormat},       // soft hyphen
		{"DE", "AB\u200e123456", NationalID{}, ReasonFormat},       // left-to-right mark
		{"DE", "AB\u00a0123456", NationalID{}, ReasonFormat},       // no-break space inside
		{"DE", "AB\u3000123456", NationalID{}, ReasonFormat},       // ideographic space inside
		{"DE", "AB\uff11\uff12\uff13", NationalID{}, ReasonFormat}, // full-width digits
		{"DE", "\uff21\uff22123", NationalID{}, ReasonFormat},      // full-width letters
		{"EG", "\u0661\u0662\u0663", NationalID{}, ReasonFormat},   // Arabic-Indic digits
		{"IN", "\u0967\u0968\u0969", NationalID{}, ReasonFormat},   // Devanagari digits
		{"DE", "\u00a0AB123456\u00a0", NationalID{CountryCode: "DE", Canonical: "AB123456", Kind: KindOther}, ""},
		{"RU", "АБ123456", NationalID{CountryCode: "RU", Canonical: "АБ123456", Kind: KindOther}, ""}, // other scripts' letters
		{"UK", "AB123456C", NationalID{}, ReasonUnknownCountry},
		{"ZZ", "123", NationalID{}, ReasonUnknownCountry},
		{"SWE", "811228-9874", NationalID{}, ReasonUnknownCountry},
		{"", "123", NationalID{}, ReasonEmpty},
	}
	for _, tt := range tests {
		got, err := ParseNationalID(tt.country, tt.in, today)
		checkErr(t, tt.in, err, tt.reason)
		if got != tt.want {
			t.Errorf("%q %q: got %+v, want %+v", tt.country, tt.in, got, tt.want)
		}
	}
}

func FuzzParseNationalID(f *testing.F) {
	seeds := [][2]string{
		{"SE", "191212121212"}, {"SE", "121212+1212"}, {"SE", "811228-9874"}, {"SE", "701063-2391"},
		{"SE", "556036-0793"}, {"SE", "165560360793"}, {"SE", "811228-T123"}, {"SE", "010229-1234"},
		{"NO", "15108695088"}, {"NO", "31129956731"}, {"NO", "41018512430"}, {"NO", "995 525 828"},
		{"DK", "211062-5629"}, {"DK", "13585628"}, {"FI", "131052-308T"}, {"FI", "010594Y9032"},
		{"FI", "2077474-0"}, {"DE", "X123"}, {"xk", " 1 "}, {"UK", "1"},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, country, regNo string) {
		id, err := ParseNationalID(country, regNo, today)
		if err != nil {
			if ReasonOf(err) == "" {
				t.Fatalf("error without reason: %v", err)
			}
			return
		}
		again, err := ParseNationalID(country, id.Canonical, today)
		if err != nil {
			t.Fatalf("canonical %q does not re-parse: %v", id.Canonical, err)
		}
		if again != id {
			t.Fatalf("re-parse of %q gave %+v, want %+v", id.Canonical, again, id)
		}
	})
}
