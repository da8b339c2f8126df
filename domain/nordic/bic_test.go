package nordic

import "testing"

func TestParseBIC(t *testing.T) {
	tests := []struct {
		in, want string
		reason   Reason
	}{
		{"SWEDSESS", "SWEDSESS", ""},
		{"ESSESESS", "ESSESESS", ""},
		{"NDEAFIHH", "NDEAFIHH", ""},
		{"DNBANOKKXXX", "DNBANOKKXXX", ""},
		{"dnbanokkxxx", "DNBANOKKXXX", ""},
		{" DABADKKK ", "DABADKKK", ""},
		{"HANDSESS", "HANDSESS", ""},
		{"DEUTDEFF500", "DEUTDEFF500", ""},
		{"RBKOXKPR", "RBKOXKPR", ""}, // Kosovo
		{"SWEDSE0S", "SWEDSE0S", ""}, // test BIC (location 2nd char 0)
		{"SWEDUKSS", "", ReasonUnknownCountry},
		{"SWEDZZSS", "", ReasonUnknownCountry},
		{"SWE1SESS", "", ReasonFormat},
		{"SWEDS1SS", "", ReasonFormat},
		{"SWEDSESS-XX", "", ReasonFormat},
		{"SWEDSES", "", ReasonLength},
		{"SWEDSESSXX", "", ReasonLength},
		{"SWEDSESSXXXX", "", ReasonLength},
		{"", "", ReasonEmpty},
	}
	for _, tt := range tests {
		got, err := ParseBIC(tt.in)
		checkErr(t, tt.in, err, tt.reason)
		if got != tt.want {
			t.Errorf("%q: got %q, want %q", tt.in, got, tt.want)
		}
	}
}
