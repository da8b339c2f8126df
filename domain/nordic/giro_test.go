package nordic

import "testing"

func TestParseBankgiro(t *testing.T) {
	tests := []struct {
		in, want string
		reason   Reason
	}{
		{"160-9908", "1609908", ""},
		{"1609908", "1609908", ""},
		{"1234-5674", "12345674", ""},
		{"555-5552", "5555552", ""},
		{"160-9909", "", ReasonChecksum},
		{"1234-5675", "", ReasonChecksum},
		{"16-9908", "", ReasonLength},
		{"555-555", "", ReasonLength},
		{"123-45678-9", "", ReasonLength},
		{"160.9908", "", ReasonFormat},
		// A number of only zeros passes every weighted checksum but is never issued.
		{"000-0000", "", ReasonFormat},
		{"0000-0000", "", ReasonFormat},
		{"", "", ReasonEmpty},
	}
	for _, tt := range tests {
		got, err := ParseBankgiro(tt.in)
		checkErr(t, tt.in, err, tt.reason)
		if got != tt.want {
			t.Errorf("%q: got %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParsePlusgiro(t *testing.T) {
	tests := []struct {
		in, want string
		reason   Reason
	}{
		{"12 34 56-6", "1234566", ""},
		{"1234566", "1234566", ""},
		{"4160-8", "41608", ""},
		{"18", "18", ""},
		// A number of only zeros passes every weighted checksum but is never issued.
		{"00", "", ReasonFormat},
		{"0000000-0", "", ReasonFormat},
		{"12 34 56-7", "", ReasonChecksum},
		{"4160-9", "", ReasonChecksum},
		{"1", "", ReasonLength},
		{"123456789", "", ReasonLength},
		{"12.34.56-6", "", ReasonFormat},
		{" - ", "", ReasonEmpty},
	}
	for _, tt := range tests {
		got, err := ParsePlusgiro(tt.in)
		checkErr(t, tt.in, err, tt.reason)
		if got != tt.want {
			t.Errorf("%q: got %q, want %q", tt.in, got, tt.want)
		}
	}
}
