package nordic

import (
	"strings"
	"time"
)

var dkCVRWeights = []int{2, 7, 6, 5, 4, 3, 2, 1}

// ParseDanishID validates a Danish CPR number (10 digits, DDMMYY-SSSS or
// without hyphen; Canonical DDMMYY-SSSS) or CVR number (8 digits).
//
// CPR: the mod-11 check is deliberately not applied (CPR numbers without it
// have been issued since 2007); the date must be real and not after today,
// with the century taken from the 7th digit: 0–3 → 1900s; 4 or 9 → 2000s if
// YY ≤ 36, else 1900s; 5–8 → 2000s if YY ≤ 57, else 1800s.
//
// CVR: 8 digits, first digit not 0, Σ(2,7,6,5,4,3,2,1)·d ≡ 0 (mod 11);
// Kind KindCVR, Person false.
func ParseDanishID(regNo string, today time.Time) (NationalID, error) {
	s := strings.TrimSpace(regNo)
	if s == "" {
		return NationalID{}, fail(ReasonEmpty, "The Danish identifier is required.")
	}
	if len(s) == 11 && s[6] == '-' {
		s = s[:6] + s[7:]
	}
	if !isDigits(s) {
		return NationalID{}, fail(ReasonFormat, "The Danish identifier must be written DDMMYY-SSSS (CPR) or as 8 digits (CVR).")
	}
	switch len(s) {
	case 8:
		return parseCVR(s)
	case 10:
		return parseCPR(s, today)
	}
	return NationalID{}, fail(ReasonLength, "The Danish identifier must have 10 digits (CPR) or 8 digits (CVR).")
}

func parseCVR(s string) (NationalID, error) {
	if s[0] == '0' {
		return NationalID{}, fail(ReasonFormat, "A CVR number does not start with 0.")
	}
	if weightedSum(s, dkCVRWeights)%11 != 0 {
		return NationalID{}, fail(ReasonChecksum, "The check digit of the CVR number is wrong.")
	}
	return NationalID{CountryCode: "DK", Canonical: s, Kind: KindCVR}, nil
}

func parseCPR(s string, today time.Time) (NationalID, error) {
	day, month, yy := atoi(s[0:2]), atoi(s[2:4]), atoi(s[4:6])
	year := 1900 + yy
	switch s[6] {
	case '4', '9':
		if yy <= 36 {
			year = 2000 + yy
		}
	case '5', '6', '7', '8':
		if yy <= 57 {
			year = 2000 + yy
		} else {
			year = 1800 + yy
		}
	}
	if !validDate(year, month, day) {
		return NationalID{}, fail(ReasonDate, "The CPR number does not contain a valid date.")
	}
	if dateAfter(year, month, day, today) {
		return NationalID{}, fail(ReasonFuture, "The birth date of the CPR number is in the future.")
	}
	return NationalID{CountryCode: "DK", Canonical: s[:6] + "-" + s[6:], Kind: KindCPR, Person: true, BirthDate: utcDate(year, month, day)}, nil
}
