package nordic

import "testing"

func TestParseIBAN(t *testing.T) {
	tests := []struct {
		in, want string
		reason   Reason
	}{
		{"NO9386011117947", "NO9386011117947", ""},
		{"NO93 8601 1117 947", "NO9386011117947", ""},
		{"GB82WEST12345698765432", "GB82WEST12345698765432", ""},
		{"gb82 west 1234 5698 7654 32", "GB82WEST12345698765432", ""},
		{"DE89370400440532013000", "DE89370400440532013000", ""},
		{"DE89 3704 0044 0532 0130 00", "DE89370400440532013000", ""},
		{"SE4550000000058398257466", "SE4550000000058398257466", ""},
		{"SE45 5000 0000 0583 9825 7466", "SE4550000000058398257466", ""},
		{"FI2112345600000785", "FI2112345600000785", ""},
		{"DK5000400440116243", "DK5000400440116243", ""},
		{"NL91ABNA0417164300", "NL91ABNA0417164300", ""},
		{"FR1420041010050500013M02606", "FR1420041010050500013M02606", ""},
		{"BE68539007547034", "BE68539007547034", ""},
		{"CH9300762011623852957", "CH9300762011623852957", ""},
		{"XK051212012345678906", "XK051212012345678906", ""},
		// Wrong check digits.
		{"GB83WEST12345698765432", "", ReasonChecksum},
		{"DE88370400440532013000", "", ReasonChecksum},
		{"SE4550000000058398257467", "", ReasonChecksum},
		{"NO9486011117947", "", ReasonChecksum},
		// mod 97 holds but the Norwegian account's own check digit does not.
		{"NO3986011117949", "", ReasonChecksum},
		// Lengths, countries, characters.
		{"SE45500000000583982574661", "", ReasonLength},
		{"NO938601111794", "", ReasonLength},
		{"US12345678901234567890", "", ReasonUnknownCountry},
		{"UK82WEST12345698765432", "", ReasonUnknownCountry},
		{"GB82-WEST-1234-5698-7654-32", "", ReasonFormat},
		{"GBXXWEST12345698765432", "", ReasonFormat},
		{"8286011117947", "", ReasonFormat},
		{"GB", "", ReasonFormat},
		{"GB00WEST12345698765432", "", ReasonChecksum},
		{"", "", ReasonEmpty},
		{"   ", "", ReasonEmpty},
	}
	for _, tt := range tests {
		got, err := ParseIBAN(tt.in)
		checkErr(t, tt.in, err, tt.reason)
		if got != tt.want {
			t.Errorf("%q: got %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestIBANLengthTableCountries(t *testing.T) {
	for cc, n := range ibanLengths {
		if _, ok := CountryCode(cc); !ok {
			t.Errorf("IBAN country %q is not a country code", cc)
		}
		if n < 15 || n > 34 {
			t.Errorf("IBAN length %d for %q out of range", n, cc)
		}
	}
	// Every EU/EEA country and the other SEPA members must be present.
	for _, cc := range []string{"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO", "CH", "GB", "MC", "SM", "VA", "AD", "AL", "MD", "ME", "MK", "RS"} {
		if _, ok := ibanLengths[cc]; !ok {
			t.Errorf("IBAN country %q missing", cc)
		}
	}
}
