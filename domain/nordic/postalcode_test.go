package nordic

import "testing"

func TestParsePostalCode(t *testing.T) {
	tests := []struct {
		country, in, want string
		reason            Reason
	}{
		// Sweden: 5 digits, "NNN NN" is the written form.
		{"SE", "15961", "15961", ""},
		{"SE", "159 61", "15961", ""},
		{"SE", " 159\u00a061\t", "15961", ""},
		{"SE", "ABC", "", ReasonFormat},
		{"SE", "1596", "", ReasonLength},
		{"SE", "159611", "", ReasonLength},
		{"SE", "1", "", ReasonLength},
		{"SE", "159-61", "", ReasonFormat},
		{"SE", "SE-15961", "", ReasonFormat},
		{"SE", "１５９６１", "", ReasonFormat}, // full-width digits are not ASCII digits
		// Finland: 5 digits, leading zeros are common (Helsinki 00100).
		{"FI", "00100", "00100", ""},
		{"FI", "0010", "", ReasonLength},
		{"FI", "FI-00100", "", ReasonFormat},
		// Norway: 4 digits (Oslo 0154).
		{"NO", "0154", "0154", ""},
		{"NO", "01540", "", ReasonLength},
		{"NO", "154", "", ReasonLength},
		{"NO", "O154", "", ReasonFormat},
		// Denmark: 4 digits (København V 1550).
		{"DK", "1550", "1550", ""},
		{"DK", "DK-1550", "", ReasonFormat},
		{"DK", "15500", "", ReasonLength},
		// Other countries: no format here, white space removed.
		{"GB", "SW1A 1AA", "SW1A1AA", ""},
		{"DE", "10115", "10115", ""},
		{"IS", "101", "101", ""},
		// Empty.
		{"SE", "", "", ReasonEmpty},
		{"GB", " \t", "", ReasonEmpty},
	}
	for _, tt := range tests {
		got, err := ParsePostalCode(tt.country, tt.in)
		checkErr(t, tt.in, err, tt.reason)
		if got != tt.want {
			t.Errorf("%s %q: got %q, want %q", tt.country, tt.in, got, tt.want)
		}
	}
}
