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
