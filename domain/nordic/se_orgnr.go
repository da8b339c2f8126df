package nordic

import "strings"

// ParseSwedishOrgNumber validates a Swedish organisationsnummer and returns
// Kind KindOrganisationsnummer with Canonical NNNNNN-NNNC.
//
// Accepted input (trimmed): NNNNNN-NNNC, NNNNNNNNNN, and the 12-digit forms
// 16NNNNNN-NNNC and 16NNNNNNNNNN. Digits 3–4 must be ≥ 20 (so that it cannot
// be a personnummer) and the last digit is a Luhn check over all 10 digits.
func ParseSwedishOrgNumber(regNo string) (NationalID, error) {
	s := strings.TrimSpace(regNo)
	if s == "" {
		return NationalID{}, fail(ReasonEmpty, "The organisationsnummer is required.")
	}
	head, sep, tail, err := seSplit(s)
	if err != nil {
		return NationalID{}, err
	}
	if sep == '+' {
		return NationalID{}, fail(ReasonFormat, "An organisationsnummer is written NNNNNN-NNNC.")
	}
	if len(head) == 8 {
		if head[:2] != "16" {
			return NationalID{}, fail(ReasonFormat, "A 12-digit organisationsnummer starts with 16.")
		}
		head = head[2:]
	}
	if head[2] < '2' {
		return NationalID{}, fail(ReasonFormat, "Digits 3–4 of an organisationsnummer must be 20 or more.")
	}
	if !luhnValid(head + tail) {
		return NationalID{}, fail(ReasonChecksum, "The check digit of the organisationsnummer is wrong.")
	}
	return NationalID{CountryCode: "SE", Canonical: head + "-" + tail, Kind: KindOrganisationsnummer}, nil
}
