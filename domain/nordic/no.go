package nordic

import (
	"strings"
	"time"
)

var (
	noK1Weights    = []int{3, 7, 6, 1, 8, 9, 4, 5, 2, 1}
	noK2Weights    = []int{5, 4, 3, 2, 7, 6, 5, 4, 3, 2, 1}
	noOrgNrWeights = []int{3, 2, 7, 6, 5, 4, 3, 2, 1}
)

// ParseNorwegianID validates a Norwegian person number (11 digits) or
// organisation number (9 digits).
//
// Person numbers DDMMYYIIIK1K2 are accepted as 11 digits or with a single
// space after the date ("DDMMYY IIIKK"); Canonical is the 11 digits. Accepted
// kinds: fødselsnummer, D-number (day + 40, KindDNummer), H-number (month +
// 40, KindHNummer) and Skatteetaten's synthetic test persons (month + 80,
// Kind of the underlying number). FH-numbers (first digit 8 or 9) give
// ReasonUnsupported. Control digits: Σ(3,7,6,1,8,9,4,5,2,1)·d1..d10 mod 11 must
// be 0 (legacy rule) or 1, 2 or 3 (the rule for numbers issued from 2032,
// which systems must accept already), and Σ(5,4,3,2,7,6,5,4,3,2,1)·d1..d11
// must be ≡ 0 (mod 11). The date must be real. The century comes from the
// legacy individual-number rule when the number follows it and that gives a
// date that is not in the future; otherwise (2032-style numbers) it is the
// latest century that is not in the future, so BirthDate is best effort and a
// Norwegian number is never rejected as ReasonFuture.
//
// Organisation numbers are 9 digits (also "NNN NNN NNN") with
// Σ(3,2,7,6,5,4,3,2,1)·d ≡ 0 (mod 11); Kind KindOrganisasjonsnummer.
func ParseNorwegianID(regNo string, today time.Time) (NationalID, error) {
	s := strings.TrimSpace(regNo)
	if s == "" {
		return NationalID{}, fail(ReasonEmpty, "The Norwegian identifier is required.")
	}
	switch {
	case len(s) == 12 && s[6] == ' ':
		s = s[:6] + s[7:]
	case len(s) == 11 && s[3] == ' ' && s[7] == ' ':
		s = s[:3] + s[4:7] + s[8:]
	}
	if !isDigits(s) {
		return NationalID{}, fail(ReasonFormat, "The Norwegian identifier must consist of digits.")
	}
	switch len(s) {
	case 9:
		return parseNorwegianOrgNr(s)
	case 11:
		return parseFodselsnummer(s, today)
	}
	return NationalID{}, fail(ReasonLength, "The Norwegian identifier must have 11 digits (person) or 9 digits (organisation).")
}

func parseNorwegianOrgNr(s string) (NationalID, error) {
	if allZeros(s) {
		return NationalID{}, zeros("organisation number")
	}
	if weightedSum(s, noOrgNrWeights)%11 != 0 {
		return NationalID{}, fail(ReasonChecksum, "The check digit of the organisation number is wrong.")
	}
	return NationalID{CountryCode: "NO", Canonical: s, Kind: KindOrganisasjonsnummer}, nil
}

func parseFodselsnummer(s string, today time.Time) (NationalID, error) {
	if s[0] >= '8' {
		return NationalID{}, fail(ReasonUnsupported, "Norwegian FH-numbers are not accepted as national identifiers.")
	}
	r1 := weightedSum(s, noK1Weights) % 11
	if r1 > 3 || weightedSum(s, noK2Weights)%11 != 0 {
		return NationalID{}, fail(ReasonChecksum, "The control digits of the Norwegian number are wrong.")
	}
	day, month, yy, individual := atoi(s[0:2]), atoi(s[2:4]), atoi(s[4:6]), atoi(s[6:9])
	kind := KindFodselsnummer
	if day > 40 {
		day -= 40
		kind = KindDNummer
	}
	switch {
	case month > 80: // Skatteetaten (Tenor) synthetic test person
		month -= 80
	case month > 40:
		month -= 40
		if kind == KindFodselsnummer {
			kind = KindHNummer
		}
	}
	year, ok := noLegacyYear(yy, individual)
	if !ok || r1 != 0 || dateAfter(year, month, day, today) {
		year = latestCentury(yy, month, day, today)
	}
	if !validDate(year, month, day) {
		return NationalID{}, fail(ReasonDate, "The Norwegian number does not contain a valid date.")
	}
	return NationalID{CountryCode: "NO", Canonical: s, Kind: kind, Person: true, BirthDate: utcDate(year, month, day)}, nil
}

// noLegacyYear returns the birth year given by the pre-2032 rule that ties the
// individual number to the century.
func noLegacyYear(yy, individual int) (int, bool) {
	switch {
	case individual <= 499:
		return 1900 + yy, true
	case individual <= 749 && yy >= 54:
		return 1800 + yy, true
	case yy <= 39:
		return 2000 + yy, true
	case individual >= 900 && yy >= 40:
		return 1900 + yy, true
	}
	return 0, false
}
