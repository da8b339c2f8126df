package domain

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/nordledger/ledger/domain/nordic"
)

// textRule says how a free-text property treats absence and blank (empty or whitespace-only)
// values.
type textRule int

const (
	// textRequired: the property must be present with non-blank text.
	textRequired textRule = iota
	// textOptional: the property may be absent or null; when it has a value the value must not
	// be blank (SPEC §4 gives a minimum length of 1, e.g. taxIdentificationNumber).
	textOptional
	// textBlankable: the property may be absent, null, empty or blank; blank counts as not given
	// (SPEC §4 gives no minimum length, e.g. coAddress).
	textBlankable
)

// text validates a free-text property and returns its value with surrounding whitespace
// trimmed ("" when not given or invalid): valid UTF-8, at most maxLen characters (runes), no
// control characters. Problems are added to ps; their descriptions never contain the value.
func text(ps *problems, name string, f Field[string], rule textRule, maxLen int) string {
	if !f.HasValue() {
		if rule == textRequired {
			ps.add(name, name+" is required")
		}
		return ""
	}
	v := strings.TrimSpace(f.Value)
	switch {
	case !utf8.ValidString(v):
		ps.add(name, name+" must be valid UTF-8 text")
	case v == "" && rule == textBlankable:
		return ""
	case v == "" && rule == textRequired:
		ps.add(name, name+" must not be empty")
	case v == "":
		ps.add(name, name+" must not be empty; send null or leave it out instead")
	case utf8.RuneCountInString(v) > maxLen:
		ps.add(name, fmt.Sprintf("%s must be at most %d characters", name, maxLen))
	case strings.IndexFunc(v, unicode.IsControl) >= 0:
		ps.add(name, name+" must not contain control characters")
	default:
		return v
	}
	return ""
}

// enum matches a value against the allowed values, ignoring surrounding whitespace and ASCII
// case, and returns the canonical one. Only ASCII letters fold: "ſ" (U+017F) is not "s".
func enum(ps *problems, name string, f Field[string], allowed []string) string {
	if !f.HasValue() {
		return ""
	}
	v := strings.TrimSpace(f.Value)
	for _, a := range allowed {
		if asciiEqualFold(v, a) {
			return a
		}
	}
	ps.add(name, fmt.Sprintf("%s must be one of: %s", name, strings.Join(allowed, ", ")))
	return ""
}

// asciiEqualFold reports whether s and t are equal under ASCII case folding.
func asciiEqualFold(s, t string) bool {
	if len(s) != len(t) {
		return false
	}
	for i := 0; i < len(s); i++ {
		a, b := s[i], t[i]
		if 'A' <= a && a <= 'Z' {
			a += 'a' - 'A'
		}
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		if a != b {
			return false
		}
	}
	return true
}

// CountryCodeInput reads a country code as every request gives one (an address's, a national
// identifier's, a look-up's): an ISO 3166-1 alpha-2 code in any case, surrounding whitespace
// ignored. It returns the code upper-cased. It is the one rule of country codes in input, so
// that what one route accepts the others accept too.
func CountryCodeInput(s string) (string, bool) {
	return nordic.CountryCode(strings.TrimSpace(s))
}

// countryCode validates a required ISO 3166-1 alpha-2 code (CountryCodeInput) and returns it
// upper-cased.
func countryCode(ps *problems, name string, f Field[string]) string {
	if !f.HasValue() || strings.TrimSpace(f.Value) == "" {
		ps.add(name, name+" is required")
		return ""
	}
	c, ok := CountryCodeInput(f.Value)
	if !ok {
		ps.add(name, name+" must be an ISO 3166-1 alpha-2 country code")
		return ""
	}
	return c
}

// path joins a property path and a property name ("legalAddress" + "city").
func path(field, name string) string {
	if field == "" {
		return name
	}
	return field + "." + name
}

// ParseAddress validates an address; field is its property path ("legalAddress", ...; "" for an
// address that is the whole request body), used in problem names. Text is trimmed, zipCode loses
// all its whitespace and countryCode is upper-cased; blank streetAddress and coAddress count as
// not given. zipCode (at most 9 characters) must also have its country's format where
// nordic.ParsePostalCode knows one: SE and FI 5 digits, NO and DK 4 (so the Swedish "NNN NN" is
// stored as "NNNNN").
func ParseAddress(in AddressInput, field string) (Address, error) {
	var ps problems
	a := parseAddress(&ps, in, field)
	return a, ps.err()
}

func parseAddress(ps *problems, in AddressInput, field string) Address {
	var a Address
	a.Addressee = text(ps, path(field, "addressee"), in.Addressee, textRequired, 72)
	a.StreetAddress = text(ps, path(field, "streetAddress"), in.StreetAddress, textBlankable, 72)
	a.CoAddress = text(ps, path(field, "coAddress"), in.CoAddress, textBlankable, 72)
	a.City = text(ps, path(field, "city"), in.City, textRequired, 27)
	zip := in.ZipCode
	if zip.HasValue() {
		zip.Value = strings.Join(strings.Fields(zip.Value), "")
	}
	zipName := path(field, "zipCode")
	a.ZipCode = text(ps, zipName, zip, textRequired, 9)
	a.CountryCode = countryCode(ps, path(field, "countryCode"), in.CountryCode)
	if a.ZipCode != "" && a.CountryCode != "" {
		if _, err := nordic.ParsePostalCode(a.CountryCode, a.ZipCode); err != nil {
			ps.add(zipName, fmt.Sprintf("%s is not a valid %s postal code: %s", zipName, a.CountryCode, describe(err)))
			a.ZipCode = ""
		}
	}
	return a
}

// ParseNationalIdentifier validates a national identifier and returns it in canonical form.
// field is its property path ("nationalIdentifier"; "" when it is the whole request body).
func ParseNationalIdentifier(in NationalIdentifierInput, field string, today time.Time) (NationalIdentifier, nordic.NationalID, error) {
	var ps problems
	ni, id := parseNationalIdentifier(&ps, in, field, today)
	return ni, id, ps.err()
}

func parseNationalIdentifier(ps *problems, in NationalIdentifierInput, field string, today time.Time) (NationalIdentifier, nordic.NationalID) {
	cc := countryCode(ps, path(field, "countryCode"), in.CountryCode)
	regNo := path(field, "regNo")
	if !in.RegNo.HasValue() || strings.TrimSpace(in.RegNo.Value) == "" {
		ps.add(regNo, regNo+" is required")
		return NationalIdentifier{}, nordic.NationalID{}
	}
	if cc == "" {
		return NationalIdentifier{}, nordic.NationalID{}
	}
	id, err := nordic.ParseNationalID(cc, in.RegNo.Value, today)
	if err != nil {
		ps.add(regNo, fmt.Sprintf("%s is not a valid %s national identifier: %s", regNo, cc, describe(err)))
		return NationalIdentifier{}, nordic.NationalID{}
	}
	return NationalIdentifier{RegNo: id.Canonical, CountryCode: cc}, id
}

// describe returns the message of a nordic error (which never contains the input).
func describe(err error) string {
	var e *nordic.Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "it is not valid."
}

func parseEDI(ps *problems, in EDIAddressInfoInput) *EDIAddressInfo {
	var e EDIAddressInfo
	e.VAN = text(ps, PropEDIAddressInfo+".VAN", in.VAN, textBlankable, 255)
	e.InterChangeRecipient = text(ps, PropEDIAddressInfo+".InterChangeRecipient", in.InterChangeRecipient, textBlankable, 13)
	e.BuyerID = text(ps, PropEDIAddressInfo+".BuyerId", in.BuyerID, textRequired, 13)
	return &e
}

// parseEmail validates an e-mail address (surrounding whitespace ignored).
func parseEmail(ps *problems, f Field[string]) string {
	if !f.HasValue() {
		return ""
	}
	v := strings.TrimSpace(f.Value)
	if len(v) > 254 || !nordic.ValidEmail(v) {
		ps.add(PropEmailAddress, "emailAddress must be an e-mail address of at most 254 characters")
		return ""
	}
	return v
}

func parseMSISDN(ps *problems, f Field[string]) string {
	if !f.HasValue() {
		return ""
	}
	v, err := nordic.ParseMSISDN(f.Value)
	if err != nil {
		ps.add(PropMSISDN, "msisdn must be + followed by the country code and number, 5 to 15 characters in all")
		return ""
	}
	return v
}

func parseVAT(ps *problems, f Field[string]) string {
	if !f.HasValue() {
		return ""
	}
	v, err := nordic.ParseVATNumber(f.Value)
	switch {
	case err != nil:
		ps.add(PropVATNo, "vatNo is not a valid VAT registration number: "+describe(err))
		return ""
	case len(v) < 7 || len(v) > 17:
		ps.add(PropVATNo, "vatNo must be 7 to 17 characters")
		return ""
	}
	return v
}
