package nordic

import (
	"regexp"
	"strings"
)

var (
	vatOtherPattern = regexp.MustCompile(`^[A-Z]{2}[A-Z0-9+*]{5,15}$`)
	dkVATWeights    = []int{2, 7, 6, 5, 4, 3, 2, 1}
)

// ParseVATNumber validates a VAT number and returns its compact upper-case
// form (spaces removed). SPEC §4: 7–17 characters starting with two letters.
// Country checks:
//   - SE: "SE" + 10 digits + "01"; Luhn over the 10 digits (an
//     organisationsnummer or, for sole traders, a personnummer, so the "digits
//     3–4 ≥ 20" rule is not applied).
//   - NO: "NO" + 9-digit organisation number + optional "MVA";
//     Σ(3,2,7,6,5,4,3,2,1)·d ≡ 0 (mod 11).
//   - DK: "DK" + 8-digit CVR, first digit not 0, Σ(2,7,6,5,4,3,2,1)·d ≡ 0 (mod 11).
//   - FI: "FI" + 8 digits (Y-tunnus without hyphen), Y-tunnus check digit.
//   - other: ^[A-Z]{2}[A-Z0-9+*]{5,15}$.
func ParseVATNumber(vat string) (string, error) {
	s := asciiUpper(removeChars(vat, " "))
	if strings.TrimSpace(s) == "" {
		return "", fail(ReasonEmpty, "The VAT number is required.")
	}
	if len(s) < 7 || len(s) > 17 {
		return "", fail(ReasonLength, "The VAT number must have 7 to 17 characters.")
	}
	if !isUpperLetters(s[:2]) {
		return "", fail(ReasonFormat, "The VAT number must start with a two-letter country prefix.")
	}
	body := s[2:]
	switch s[:2] {
	case "SE":
		if len(body) != 12 || !isDigits(body) || body[10:] != "01" {
			return "", fail(ReasonFormat, "A Swedish VAT number is SE followed by 10 digits and 01.")
		}
		if allZeros(body[:10]) {
			return "", zeros("VAT number")
		}
		if !luhnValid(body[:10]) {
			return "", fail(ReasonChecksum, "The check digit of the Swedish VAT number is wrong.")
		}
	case "NO":
		if strings.HasSuffix(body, "MVA") {
			body = body[:len(body)-3]
		}
		if len(body) != 9 || !isDigits(body) {
			return "", fail(ReasonFormat, "A Norwegian VAT number is NO followed by 9 digits and MVA.")
		}
		if allZeros(body) {
			return "", zeros("VAT number")
		}
		if weightedSum(body, noOrgNrWeights)%11 != 0 {
			return "", fail(ReasonChecksum, "The check digit of the Norwegian VAT number is wrong.")
		}
	case "DK":
		if len(body) != 8 || !isDigits(body) || body[0] == '0' {
			return "", fail(ReasonFormat, "A Danish VAT number is DK followed by 8 digits.")
		}
		if weightedSum(body, dkVATWeights)%11 != 0 {
			return "", fail(ReasonChecksum, "The check digit of the Danish VAT number is wrong.")
		}
	case "FI":
		if len(body) != 8 || !isDigits(body) {
			return "", fail(ReasonFormat, "A Finnish VAT number is FI followed by 8 digits.")
		}
		if allZeros(body) {
			return "", zeros("VAT number")
		}
		if !yTunnusValid(body) {
			return "", fail(ReasonChecksum, "The check digit of the Finnish VAT number is wrong.")
		}
	default:
		if !vatOtherPattern.MatchString(s) {
			return "", fail(ReasonFormat, "The VAT number may contain only letters, digits, + and * after the country prefix.")
		}
	}
	return s, nil
}

func isUpperLetters(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return s != ""
}
