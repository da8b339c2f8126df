package nordic

import (
	"strings"
	"time"
)

// seInterimLetters are the letters that replace the first serial digit in
// Swedish interim numbers (used by e.g. universities); they are not national IDs.
const seInterimLetters = "TRSUWXJKLMN"

// seSplit splits a trimmed Swedish number into its date/number head (6 or 8
// digits), separator (0, '-' or '+') and 4-character tail, checking the
// layouts YYMMDD-NNNC, YYMMDD+NNNC, YYMMDDNNNC, YYYYMMDD-NNNC and
// YYYYMMDDNNNC. Interim numbers give ReasonUnsupported.
func seSplit(s string) (head string, sep byte, tail string, err *Error) {
	switch len(s) {
	case 10, 12:
		head, tail = s[:len(s)-4], s[len(s)-4:]
	case 11, 13:
		head, sep, tail = s[:len(s)-5], s[len(s)-5], s[len(s)-4:]
		if sep != '-' && (sep != '+' || len(s) == 13) {
			return "", 0, "", fail(ReasonFormat, "The Swedish identifier must be written YYMMDD-NNNC, YYMMDD+NNNC, YYYYMMDD-NNNC or without separator.")
		}
	default:
		return "", 0, "", fail(ReasonLength, "The Swedish identifier must have 10 or 12 digits.")
	}
	if !isDigits(head) {
		return "", 0, "", fail(ReasonFormat, "The Swedish identifier must consist of digits.")
	}
	if strings.IndexByte(seInterimLetters, asciiUpper(tail[:1])[0]) >= 0 && isDigits(tail[1:]) {
		return "", 0, "", fail(ReasonUnsupported, "Swedish interim numbers are not accepted as national identifiers.")
	}
	if !isDigits(tail) {
		return "", 0, "", fail(ReasonFormat, "The Swedish identifier must consist of digits.")
	}
	return head, sep, tail, nil
}

// parseSwedishID decides between organisationsnummer and personnummer.
func parseSwedishID(s string, today time.Time) (NationalID, error) {
	head, _, _, err := seSplit(s)
	if err != nil {
		return NationalID{}, err
	}
	if (len(head) == 6 && head[2] >= '2') || (len(head) == 8 && head[:2] == "16") {
		return ParseSwedishOrgNumber(s)
	}
	return ParseSwedishPersonnummer(s, today)
}

// ParseSwedishPersonnummer validates a Swedish personnummer or
// samordningsnummer (day + 60) and returns Kind KindPersonnummer or
// KindSamordningsnummer with Canonical YYYYMMDD-NNNC.
//
// Accepted input (surrounding whitespace trimmed, nothing else): YYMMDD-NNNC,
// YYMMDD+NNNC, YYMMDDNNNC, YYYYMMDD-NNNC, YYYYMMDDNNNC. The century of the
// 10-digit forms follows from the separator and today's year (see
// seBirthYear): with "+" the birth year is the latest year ending in YY that is
// not after today's year − 100, with "-" or no separator the latest that is not
// after today's year. The 12-digit forms must start with 18, 19 or 20. The check digit is Luhn over the
// 10-digit form; the date must be real and not after today; serial 000 and
// interim numbers (a letter in the first serial position, ReasonUnsupported)
// are rejected.
func ParseSwedishPersonnummer(regNo string, today time.Time) (NationalID, error) {
	s := strings.TrimSpace(regNo)
	if s == "" {
		return NationalID{}, fail(ReasonEmpty, "The personnummer is required.")
	}
	head, sep, tail, err := seSplit(s)
	if err != nil {
		return NationalID{}, err
	}
	short := head[len(head)-6:]
	yy, month, day := atoi(short[0:2]), atoi(short[2:4]), atoi(short[4:6])
	kind := KindPersonnummer
	if day > 60 {
		day -= 60
		kind = KindSamordningsnummer
	}
	var year int
	if len(head) == 8 {
		c := head[:2]
		if c != "18" && c != "19" && c != "20" {
			return NationalID{}, fail(ReasonDate, "The birth year of the personnummer is not plausible.")
		}
		year = atoi(head[:4])
	} else {
		year = seBirthYear(yy, sep, today)
	}
	if !validDate(year, month, day) {
		return NationalID{}, fail(ReasonDate, "The personnummer does not contain a valid date.")
	}
	if dateAfter(year, month, day, today) {
		if len(head) == 6 {
			return NationalID{}, fail(ReasonFuture, "The birth date of the personnummer is in the future; from the start of the year a person turns 100 the separator is +.")
		}
		return NationalID{}, fail(ReasonFuture, "The birth date of the personnummer is in the future.")
	}
	if tail[:3] == "000" {
		return NationalID{}, fail(ReasonFormat, "The serial number 000 is not issued.")
	}
	if !luhnValid(short + tail) {
		return NationalID{}, fail(ReasonChecksum, "The check digit of the personnummer is wrong.")
	}
	canonical := pad4(year) + short[2:] + "-" + tail
	return NationalID{CountryCode: "SE", Canonical: canonical, Kind: kind, Person: true, BirthDate: utcDate(year, month, day)}, nil
}

// seBirthYear returns the birth year of a 10-digit Swedish number with the two-digit year yy and
// separator sep ('-', '+' or 0 for none, read as '-'). The separator changes to "+" at the start
// of the year the person turns 100 (Folkbokföringslagen 1991:481 §18; Skatteverket), not on the
// birthday: so a "+" number belongs to the latest year ending in yy that is not after
// today's year − 100, and a "-" number to the latest that is not after today's year (whose date
// may still lie after today: then the number is refused as a future birth date).
func seBirthYear(yy int, sep byte, today time.Time) int {
	limit := today.Year()
	if sep == '+' {
		limit -= 100
	}
	return latestYearEnding(yy, limit)
}

func pad4(n int) string {
	b := []byte{'0', '0', '0', '0'}
	for i := 3; i >= 0; i-- {
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b)
}
