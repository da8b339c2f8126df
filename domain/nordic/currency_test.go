package nordic

import "testing"

func TestCurrency(t *testing.T) {
	tests := []struct {
		code  string
		minor int
		ok    bool
	}{
		{"SEK", 2, true}, {"NOK", 2, true}, {"DKK", 2, true}, {"EUR", 2, true},
		{"USD", 2, true}, {"GBP", 2, true}, {"CHF", 2, true},
		{"ISK", 0, true}, {"JPY", 0, true}, {"KRW", 0, true}, {"CLP", 0, true},
		{"KWD", 3, true}, {"BHD", 3, true}, {"JOD", 3, true}, {"OMR", 3, true},
		{"TND", 3, true}, {"LYD", 3, true}, {"IQD", 3, true},
		{"CLF", 4, true}, {"UYW", 4, true},
		{"VES", 2, true}, {"VED", 2, true}, {"SLE", 2, true}, {"ZWG", 2, true}, {"XCG", 2, true},
		{"HRK", 0, false}, {"DEM", 0, false}, {"SKK", 0, false}, {"ZWL", 0, false},
		{"SLL", 0, false}, {"VEF", 0, false}, {"XAU", 0, false}, {"XXX", 0, false},
		{"sek", 0, false}, {"Sek", 0, false}, {"SE", 0, false}, {"SEKK", 0, false}, {"", 0, false},
	}
	for _, tt := range tests {
		minor, ok := Currency(tt.code)
		if minor != tt.minor || ok != tt.ok {
			t.Errorf("Currency(%q): got %d, %v; want %d, %v", tt.code, minor, ok, tt.minor, tt.ok)
		}
	}
}
