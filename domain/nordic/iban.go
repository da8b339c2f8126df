package nordic

import "strings"

// ibanLengths is the total IBAN length per country, from SWIFT's IBAN
// registry: all EU/EEA/SEPA countries, GB, CH and the other registry members.
// French overseas departments and territories use FR IBANs and Åland uses FI
// IBANs, so they are not listed separately.
var ibanLengths = map[string]int{
	"AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22,
	"BH": 22, "BI": 27, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24,
	"DE": 22, "DJ": 27, "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18,
	"FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27,
	"GT": 28, "HN": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26,
	"IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20,
	"LU": 20, "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20,
	"MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23, "PK": 24,
	"PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24,
	"SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25,
	"SV": 28, "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
	"YE": 30,
}

// ParseIBAN validates an IBAN (ISO 13616) and returns its compact electronic
// form. Whitespace is removed and letters are upper-cased first. Checks: a
// country with IBANs (else ReasonUnknownCountry), that country's length,
// letters and digits only, check digits 02–98 and mod 97 == 1 over the
// rearranged number. For Norway the national mod-11 check digit of the
// account number inside the IBAN must hold too.
func ParseIBAN(s string) (string, error) {
	v := asciiUpper(strings.Join(strings.Fields(s), ""))
	if v == "" {
		return "", fail(ReasonEmpty, "The IBAN is required.")
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			return "", fail(ReasonFormat, "The IBAN may contain only letters and digits.")
		}
	}
	if len(v) < 4 || !isUpperLetters(v[:2]) || !isDigits(v[2:4]) {
		return "", fail(ReasonFormat, "The IBAN must start with a country code and two check digits.")
	}
	want, ok := ibanLengths[v[:2]]
	if !ok {
		return "", fail(ReasonUnknownCountry, "The IBAN's country does not use IBANs.")
	}
	if len(v) != want {
		return "", fail(ReasonLength, "The IBAN has the wrong length for its country.")
	}
	if ck := atoi(v[2:4]); ck < 2 || ck > 98 || ibanMod97(v) != 1 {
		return "", fail(ReasonChecksum, "The check digits of the IBAN are wrong.")
	}
	if v[:2] == "NO" && (!isDigits(v[4:]) || !noAccountValid(v[4:])) {
		return "", fail(ReasonChecksum, "The Norwegian account number inside the IBAN is wrong.")
	}
	return v, nil
}

// ibanMod97 moves the first four characters to the end, maps A–Z to 10–35 and
// returns the resulting integer mod 97.
func ibanMod97(v string) int {
	r := 0
	for _, c := range []byte(v[4:] + v[:4]) {
		if c >= 'A' {
			r = (r*100 + int(c-'A') + 10) % 97
		} else {
			r = (r*10 + int(c-'0')) % 97
		}
	}
	return r
}
