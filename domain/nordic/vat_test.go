package nordic

import "testing"

func TestParseVATNumber(t *testing.T) {
	tests := []struct {
		in, want string
		reason   Reason
	}{
		// PayEx's example: 1010101010 passes Luhn, suffix 01.
		{"SE101010101001", "SE101010101001", ""},
		{"SE556036079301", "SE556036079301", ""},
		{"SE 123456789701", "SE123456789701", ""},
		{"se556036079301", "SE556036079301", ""},
		{"SE811228987401", "SE811228987401", ""}, // sole trader: personnummer
		{"SE556036079401", "", ReasonChecksum},
		{"SE556036079302", "", ReasonFormat},
		{"SE5560360793", "", ReasonFormat},
		{"NO 995 525 828 MVA", "NO995525828MVA", ""},
		{"NO995525828", "NO995525828", ""},
		{"NO995525829", "", ReasonChecksum},
		{"NO995525828VAT", "", ReasonFormat},
		{"DK13585628", "DK13585628", ""},
		{"DK 13 58 56 28", "DK13585628", ""},
		{"DK13585627", "", ReasonChecksum},
		{"DK03585628", "", ReasonFormat},
		{"FI20774740", "FI20774740", ""},
		{"FI20774741", "", ReasonChecksum},
		{"FI2077474-0", "", ReasonFormat},
		// A number of only zeros passes every weighted checksum but is never issued.
		{"SE000000000001", "", ReasonFormat},
		{"NO000000000MVA", "", ReasonFormat},
		{"FI00000000", "", ReasonFormat},
		// Other countries: format only.
		{"DE123456789", "DE123456789", ""},
		{"ATU12345678", "ATU12345678", ""},
		{"NL123456789B01", "NL123456789B01", ""},
		{"EL123456789", "EL123456789", ""},
		{"FR+*123456789", "FR+*123456789", ""},
		{"DE12345-6789", "", ReasonFormat},
		{"12345678901", "", ReasonFormat},
		{"DE1234", "", ReasonLength},
		{"DE1234567890123456", "", ReasonLength},
		{"   ", "", ReasonEmpty},
		{"", "", ReasonEmpty},
	}
	for _, tt := range tests {
		got, err := ParseVATNumber(tt.in)
		checkErr(t, tt.in, err, tt.reason)
		if got != tt.want {
			t.Errorf("%q: got %q, want %q", tt.in, got, tt.want)
		}
	}
}
