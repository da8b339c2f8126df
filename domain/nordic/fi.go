package nordic

import (
	"strings"
	"time"
)

const hetuCheckChars = "0123456789ABCDEFHJKLMNPRSTUVWXY"

var yTunnusWeights = []int{7, 9, 10, 5, 8, 4, 2}

// ParseFinnishID validates a Finnish HETU (personal identity code) or
// Y-tunnus (business ID). Input is trimmed and upper-cased.
//
// HETU DDMMYYCZZZQ: century sign C is "+" (1800s), "-", "Y", "X", "W", "V",
// "U" (1900s) or "A", "B", "C", "D", "E", "F" (2000s); the date must be real
// and not after today; ZZZ 000–001 are not issued; Q is
// "0123456789ABCDEFHJKLMNPRSTUVWXY"[DDMMYYZZZ mod 31]. Individual numbers
// 900–999 (temporary numbers and DVV's test persons) ARE accepted, with Kind
// KindHETU, because integrators' test data uses them. Canonical is the 11
// upper-case characters with the sign as given: since 2023 the sign is part of
// the identity (010190-999K and 010190Y999K are different people).
//
// Y-tunnus NNNNNNN-C (also accepted without hyphen): weights 7,9,10,5,8,4,2,
// r = sum mod 11, r = 1 is invalid, check = 0 if r = 0 else 11 − r. Canonical
// NNNNNNN-C, Kind KindYTunnus, Person false.
func ParseFinnishID(regNo string, today time.Time) (NationalID, error) {
	s := asciiUpper(strings.TrimSpace(regNo))
	switch {
	case s == "":
		return NationalID{}, fail(ReasonEmpty, "The Finnish identifier is required.")
	case len(s) == 11:
		return parseHETU(s, today)
	case len(s) == 9 && s[7] == '-' && isDigits(s[:7]) && isDigits(s[8:]):
		return parseYTunnus(s[:7] + s[8:])
	case len(s) == 8 && isDigits(s):
		return parseYTunnus(s)
	case len(s) == 8 || len(s) == 9:
		return NationalID{}, fail(ReasonFormat, "A Y-tunnus is written NNNNNNN-C.")
	}
	return NationalID{}, fail(ReasonLength, "The Finnish identifier must have 11 characters (HETU) or be a Y-tunnus NNNNNNN-C.")
}

func parseHETU(s string, today time.Time) (NationalID, error) {
	if !isDigits(s[:6]) || !isDigits(s[7:10]) {
		return NationalID{}, fail(ReasonFormat, "A HETU is written DDMMYYCZZZQ.")
	}
	var century int
	switch s[6] {
	case '+':
		century = 1800
	case '-', 'Y', 'X', 'W', 'V', 'U':
		century = 1900
	case 'A', 'B', 'C', 'D', 'E', 'F':
		century = 2000
	default:
		return NationalID{}, fail(ReasonFormat, "The century sign of the HETU is not valid.")
	}
	day, month, year := atoi(s[0:2]), atoi(s[2:4]), century+atoi(s[4:6])
	if !validDate(year, month, day) {
		return NationalID{}, fail(ReasonDate, "The HETU does not contain a valid date.")
	}
	if dateAfter(year, month, day, today) {
		return NationalID{}, fail(ReasonFuture, "The birth date of the HETU is in the future.")
	}
	if atoi(s[7:10]) < 2 {
		return NationalID{}, fail(ReasonFormat, "The individual number of the HETU is not issued.")
	}
	if hetuCheckChars[atoi(s[:6]+s[7:10])%31] != s[10] {
		return NationalID{}, fail(ReasonChecksum, "The check character of the HETU is wrong.")
	}
	return NationalID{CountryCode: "FI", Canonical: s, Kind: KindHETU, Person: true, BirthDate: utcDate(year, month, day)}, nil
}

// yTunnusValid reports whether the 8 digits form a valid Y-tunnus (7 digits
// and check digit).
func yTunnusValid(s string) bool {
	r := weightedSum(s[:7], yTunnusWeights) % 11
	if r == 1 {
		return false
	}
	check := 0
	if r != 0 {
		check = 11 - r
	}
	return int(s[7]-'0') == check
}

func parseYTunnus(s string) (NationalID, error) {
	if allZeros(s) {
		return NationalID{}, zeros("Y-tunnus")
	}
	if !yTunnusValid(s) {
		return NationalID{}, fail(ReasonChecksum, "The check digit of the Y-tunnus is wrong.")
	}
	return NationalID{CountryCode: "FI", Canonical: s[:7] + "-" + s[7:], Kind: KindYTunnus}, nil
}
