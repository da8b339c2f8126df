package nordic

import "testing"

func TestParseNorwegianAccount(t *testing.T) {
	tests := []struct {
		in, want string
		reason   Reason
	}{
		{"86011117947", "86011117947", ""},
		{"8601.11.17947", "86011117947", ""},
		{"8601 11 17947", "86011117947", ""},
		{"12345678903", "12345678903", ""},
		{"86011117949", "", ReasonChecksum},
		{"12345678904", "", ReasonChecksum},
		// A number of only zeros passes every weighted checksum but is never issued.
		{"0000.00.00000", "", ReasonFormat},
		{"8601-11-17947", "", ReasonFormat},
		{"8601111794", "", ReasonLength},
		{"860111179470", "", ReasonLength},
		{" . ", "", ReasonEmpty},
		{"", "", ReasonEmpty},
	}
	for _, tt := range tests {
		got, err := ParseNorwegianAccount(tt.in)
		checkErr(t, tt.in, err, tt.reason)
		if got != tt.want {
			t.Errorf("%q: got %q, want %q", tt.in, got, tt.want)
		}
	}
}
