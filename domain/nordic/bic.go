package nordic

import (
	"regexp"
	"strings"
)

var bicPattern = regexp.MustCompile(`^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$`)

// ParseBIC validates a BIC (ISO 9362) and returns it upper-cased: surrounding
// whitespace trimmed, ^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$ (8 or 11
// characters), and characters 5–6 an assigned country code (CountryCode,
// so XK is accepted).
func ParseBIC(s string) (string, error) {
	v := asciiUpper(strings.TrimSpace(s))
	if v == "" {
		return "", fail(ReasonEmpty, "The BIC is required.")
	}
	if len(v) != 8 && len(v) != 11 {
		return "", fail(ReasonLength, "The BIC must have 8 or 11 characters.")
	}
	if !bicPattern.MatchString(v) {
		return "", fail(ReasonFormat, "The BIC must be 4 letters, a country code and a 2- or 5-character location and branch.")
	}
	if _, ok := CountryCode(v[4:6]); !ok {
		return "", fail(ReasonUnknownCountry, "The BIC's country code is not an ISO 3166-1 code.")
	}
	return v, nil
}
