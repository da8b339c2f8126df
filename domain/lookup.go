package domain

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nordledger/ledger/domain/nordic"
)

// TypeCustomerDetailsLookedUp is the event type of a customer-details look-up (the Connect
// client API's "Get customer details"). Stable forever, like every event type.
const TypeCustomerDetailsLookedUp = "CustomerDetailsLookedUp"

// Results of a customer-details look-up.
const (
	// LookupFound: a customer matched and its details were disclosed.
	LookupFound = "found"
	// LookupWithheld: a customer matched but may not be disclosed (protected identity or
	// deceased); the caller was answered as if nothing matched.
	LookupWithheld = "withheld"
	// LookupNotFound: no customer matched.
	LookupNotFound = "not-found"
)

// UnmatchedLookups is the last segment of the stream that records the look-ups that matched no
// customer: "{ledgerNo}/lookups/unmatched". Customer numbers are digits only, so it cannot be one.
const UnmatchedLookups = "unmatched"

// CustomerDetailsLookedUp records one customer-details look-up: on behalf of which merchant and
// payment product it was made, with which keys, and what it found. Who asked, when, and in which
// request are the stored event's actor, time and correlation/causation ids.
//
// It holds no personal data beyond the customer number: the looked-up values (a fiscal number)
// are never stored, not even hashed — a keyed hash of an identity number is still personal data,
// it would outlive the customer's crypto-shredding, and anyone holding the key could confirm a
// guess with it. An auditor learns who looked up whom from CustomerNo, and sees enumeration
// attempts as the unmatched look-ups of an actor.
type CustomerDetailsLookedUp struct {
	MerchantID       string   `json:"merchantId"`
	PaymentProductID string   `json:"paymentProductId"`
	CountryCode      string   `json:"countryCode"`
	Keys             []string `json:"keys"`                 // the names of the lookup keys sent, never their values
	CustomerNo       string   `json:"customerNo,omitempty"` // the matched customer; empty when nothing matched
	Result           string   `json:"result"`               // LookupFound, LookupWithheld or LookupNotFound
}

// EventType implements Event.
func (CustomerDetailsLookedUp) EventType() string { return TypeCustomerDetailsLookedUp }

// Disclosable reports whether a look-up may disclose the customer's details: never for a
// protected identity (skyddad identitet) or a deceased customer.
func (s CustomerState) Disclosable() bool {
	return !s.ProtectedIdentity && s.LegalStatus != LegalStatusDeceased
}

// LookupResult returns the result of a look-up that matched the customer s.
func LookupResult(s CustomerState) string {
	if s.Disclosable() {
		return LookupFound
	}
	return LookupWithheld
}

// LookupNationalIdentifiers validates the national identifier of a look-up (find-customer, the
// Connect look-up) and returns the identifiers it may mean, most likely first, or the validation
// error of ParseNationalIdentifier. field names it in problems ("" when it is the whole body).
//
// A Swedish personal number given in 10 digits with "-" has an inferred century (the latest year
// ending in its YY that is not after this year, so 121212-1212 reads as 2012; "+" from the year a
// person turns 100); someone that old may be registered in the century before, and a look-up must
// still find them (SPEC: 191212121212, 19121212-1212 and 121212-1212 find the same person).
//
// One case the rules refuse is still looked up: such a number written with "-" (or no separator)
// whose date would lie later this year. It reads as this century's person, born in the future;
// but someone who turns 100 this year, before their birthday, may still write it so (the "+" is
// due from the start of that year, and many systems change it only on the birthday). The look-up
// then means that person, of the century before — as 121212-1212 finds 19121212-1212.
//
// Creating a customer never guesses: it uses ParseNationalIdentifier, where such a number stays
// refused.
func LookupNationalIdentifiers(in NationalIdentifierInput, field string, today time.Time) ([]NationalIdentifier, error) {
	ni, id, err := ParseNationalIdentifier(in, field, today)
	if err == nil {
		return lookupCandidates(ni, id, in.RegNo.Value), nil
	}
	plus, ok := hundredPlusForm(in)
	if !ok {
		return nil, err
	}
	pni, pid, perr := ParseNationalIdentifier(plus, field, today)
	if perr != nil || !pid.Person {
		return nil, err
	}
	return []NationalIdentifier{pni}, nil
}

// hundredPlusForm returns a Swedish 10-digit personal number written YYMMDD-NNNC or YYMMDDNNNC
// rewritten as YYMMDD+NNNC. The Luhn check does not see the separator and the date differs only
// in its century, so the "+" form is valid exactly when the "-" form failed for lying in the
// future (for YY 00 the "+" century is never a leap year where the "-" one was, so nothing else
// becomes valid).
func hundredPlusForm(in NationalIdentifierInput) (NationalIdentifierInput, bool) {
	cc, ok := CountryCodeInput(in.CountryCode.Value)
	if !ok || cc != "SE" || !in.RegNo.HasValue() {
		return in, false
	}
	s := strings.TrimSpace(in.RegNo.Value)
	if len(s) == 11 && s[6] == '-' {
		s = s[:6] + s[7:]
	}
	if len(s) != 10 {
		return in, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return in, false
		}
	}
	in.RegNo = Set(s[:6] + "+" + s[6:])
	return in, true
}

// lookupCandidates returns the national identifiers a look-up by ni (valid, read from raw) may
// mean: ni, and for a Swedish personal number given in 10 digits without "+" also the same person
// a century earlier.
func lookupCandidates(ni NationalIdentifier, id nordic.NationalID, raw string) []NationalIdentifier {
	out := []NationalIdentifier{ni}
	if ni.CountryCode != "SE" || !id.Person || strings.Contains(raw, "+") || len(ni.RegNo) < 4 {
		return out
	}
	digits := 0
	for _, r := range raw {
		if r >= '0' && r <= '9' {
			digits++
		}
	}
	if digits != 10 {
		return out
	}
	year, err := strconv.Atoi(ni.RegNo[:4])
	if err != nil || year < 100 {
		return out
	}
	return append(out, NationalIdentifier{RegNo: fmt.Sprintf("%04d", year-100) + ni.RegNo[4:], CountryCode: "SE"})
}
