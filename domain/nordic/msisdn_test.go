package nordic

import "testing"

func TestParseMSISDN(t *testing.T) {
	tests := []struct {
		in, want string
		reason   Reason
	}{
		{"+91485918841", "+91485918841", ""},
		{"+46701234567", "+46701234567", ""},
		{" +4791234567 ", "+4791234567", ""},
		{"+1234", "+1234", ""},                     // 4 digits, the minimum
		{"+12345678901234", "+12345678901234", ""}, // 14 digits, the maximum
		{"+123", "", ReasonLength},
		{"+123456789012345", "", ReasonLength},
		{"+0123456", "", ReasonFormat},
		{"46701234567", "", ReasonFormat},
		{"+46 70 123 45 67", "", ReasonFormat},
		{"+46-701234567", "", ReasonFormat},
		{"++46701234567", "", ReasonFormat},
		{"+", "", ReasonFormat},
		{"", "", ReasonEmpty},
	}
	for _, tt := range tests {
		got, err := ParseMSISDN(tt.in)
		checkErr(t, tt.in, err, tt.reason)
		if got != tt.want {
			t.Errorf("%q: got %q, want %q", tt.in, got, tt.want)
		}
	}
}
