package nordic

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// IDKind names the kind of a validated national identifier.
type IDKind string

// Kinds of national identifier.
const (
	// KindPersonnummer is a Swedish personnummer.
	KindPersonnummer IDKind = "personnummer"
	// KindSamordningsnummer is a Swedish samordningsnummer (coordination number, day + 60).
	KindSamordningsnummer IDKind = "samordningsnummer"
	// KindOrganisationsnummer is a Swedish organisationsnummer.
	KindOrganisationsnummer IDKind = "organisationsnummer"
	// KindFodselsnummer is a Norwegian fødselsnummer (including synthetic test persons).
	KindFodselsnummer IDKind = "fodselsnummer"
	// KindDNummer is a Norwegian D-number (day + 40).
	KindDNummer IDKind = "d-nummer"
	// KindHNummer is a Norwegian H-number (month + 40).
	KindHNummer IDKind = "h-nummer"
	// KindOrganisasjonsnummer is a Norwegian organisation number (9 digits).
	KindOrganisasjonsnummer IDKind = "organisasjonsnummer"
	// KindCPR is a Danish CPR number.
	KindCPR IDKind = "cpr"
	// KindCVR is a Danish CVR (business) number.
	KindCVR IDKind = "cvr"
	// KindHETU is a Finnish personal identity code (henkilötunnus).
	KindHETU IDKind = "hetu"
	// KindYTunnus is a Finnish business ID (Y-tunnus).
	KindYTunnus IDKind = "y-tunnus"
	// KindOther is an identifier of a country without country-specific rules.
	KindOther IDKind = "other"
)

// NationalID is a validated national identifier.
type NationalID struct {
	// CountryCode is the upper-case ISO 3166-1 alpha-2 code.
	CountryCode string
	// Canonical is the storage and display form; every accepted input form of
	// one identifier maps to the same Canonical.
	Canonical string
	// Kind says which kind of identifier it is.
	Kind IDKind
	// Person is true for natural persons, false for organisations. It is
	// also false for KindOther, where the package cannot tell.
	Person bool
	// BirthDate is the birth date (UTC midnight); zero for organisations and
	// when unknown.
	BirthDate time.Time
}

// maxOtherIDLen is the longest identifier accepted for countries without
// country-specific rules (SPEC §4).
const maxOtherIDLen = 20

// ParseNationalID validates regNo for the country (case-insensitive ISO 3166-1
// alpha-2 country code) and returns its canonical form. today is used to reject
// future birth dates and to resolve the century of 10-digit Swedish numbers.
//
// Rules per country:
//   - SE: personnummer and samordningsnummer (canonical YYYYMMDD-NNNC), and
//     organisationsnummer (canonical NNNNNN-NNNC); see ParseSwedishPersonnummer
//     and ParseSwedishOrgNumber. A 10-digit number whose digits 3–4 are ≥ 20,
//     or a 12-digit number starting with 16, is an organisationsnummer.
//   - NO: fødselsnummer, D-number, H-number, synthetic test persons (11 digits)
//     and organisation numbers (9 digits); see ParseNorwegianID.
//   - DK: CPR (canonical DDMMYY-SSSS) and CVR (8 digits); see ParseDanishID.
//   - FI: HETU (canonical upper case, century sign kept) and Y-tunnus
//     (NNNNNNN-C); see ParseFinnishID.
//   - any other assigned country: the trimmed value, 1–20 characters without
//     control characters, invisible format characters, white space other than
//     the space, digits other than 0–9 or full-width forms (so that two
//     customers cannot hold identifiers that look or read the same), Kind "other".
func ParseNationalID(countryCode, regNo string, today time.Time) (NationalID, error) {
	cc, ok := CountryCode(countryCode)
	if !ok {
		if strings.TrimSpace(countryCode) == "" {
			return NationalID{}, fail(ReasonEmpty, "The country code is required.")
		}
		return NationalID{}, fail(ReasonUnknownCountry, "The country code is not an ISO 3166-1 alpha-2 code.")
	}
	s := strings.TrimSpace(regNo)
	if s == "" {
		return NationalID{}, fail(ReasonEmpty, "The national identifier is required.")
	}
	switch cc {
	case "SE":
		return parseSwedishID(s, today)
	case "NO":
		return ParseNorwegianID(s, today)
	case "DK":
		return ParseDanishID(s, today)
	case "FI":
		return ParseFinnishID(s, today)
	}
	if !utf8.ValidString(s) {
		return NationalID{}, fail(ReasonFormat, "The national identifier is not valid UTF-8 text.")
	}
	if utf8.RuneCountInString(s) > maxOtherIDLen {
		return NationalID{}, fail(ReasonLength, "The national identifier must be at most 20 characters.")
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return NationalID{}, fail(ReasonFormat, "The national identifier contains control characters.")
		}
		if lookAlike(r) {
			return NationalID{}, fail(ReasonFormat, "The national identifier contains invisible characters, white space other than a space, digits other than 0–9 or full-width characters.")
		}
	}
	return NationalID{CountryCode: cc, Canonical: s, Kind: KindOther}, nil
}

// lookAlike reports whether r would let two identifiers that look the same (or mean the same
// number) differ: an invisible format character (zero-width space, byte-order mark, soft hyphen,
// direction marks), white space other than the ASCII space, a decimal digit other than 0–9
// (full-width, Arabic-Indic, …), or a full-width or half-width form. The identifier is stored as
// given, and uniqueness is on what is stored, so such characters are refused rather than
// accepted as another identifier.
func lookAlike(r rune) bool {
	switch {
	case r == ' ':
		return false
	case unicode.Is(unicode.Cf, r), unicode.IsSpace(r):
		return true
	case unicode.IsDigit(r) && (r < '0' || r > '9'):
		return true
	}
	return r >= 0xFF00 && r <= 0xFFEF // Halfwidth and Fullwidth Forms
}
