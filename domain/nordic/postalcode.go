package nordic

import (
	"strings"
	"unicode"
)

// postalCodeDigits is the number of digits of a postal code in the countries whose format is
// checked: Sweden and Finland 5, Norway and Denmark 4 (each country's postal service).
var postalCodeDigits = map[string]int{"SE": 5, "FI": 5, "NO": 4, "DK": 4}

// postalCodeRule is the Message of a postal code that breaks its country's format.
var postalCodeRule = map[string]string{
	"SE": "A Swedish postal code has 5 digits (NNNNN or NNN NN).",
	"FI": "A Finnish postal code has 5 digits.",
	"NO": "A Norwegian postal code has 4 digits.",
	"DK": "A Danish postal code has 4 digits.",
}

// ParsePostalCode checks a postal code against the format of its country (an upper-case ISO
// 3166-1 alpha-2 code, as CountryCode returns) and returns its stored form: the code with every
// white-space character removed, so the Swedish "NNN NN" is stored as "NNNNN".
//
// SE and FI take 5 ASCII digits, NO and DK 4 (ReasonLength when they are digits but too few or
// too many, ReasonFormat otherwise). Every other country has no format here: its code is returned
// without white space and the caller's general rules apply. An empty code is ReasonEmpty.
func ParsePostalCode(countryCode, code string) (string, error) {
	c := strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, code)
	if c == "" {
		return "", fail(ReasonEmpty, "The postal code is required.")
	}
	n, ok := postalCodeDigits[countryCode]
	switch {
	case !ok:
		return c, nil
	case !isDigits(c):
		return "", fail(ReasonFormat, postalCodeRule[countryCode])
	case len(c) != n:
		return "", fail(ReasonLength, postalCodeRule[countryCode])
	}
	return c, nil
}
