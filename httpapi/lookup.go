package httpapi

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/domain/nordic"
)

// lookupIdentifiers validates the national identifier of a look-up (find-customer, the Connect
// look-up) and returns the identifiers it may mean (see lookupCandidates), or the validation
// error. field names it in problems ("" when it is the whole body).
//
// One case the rules refuse is still looked up: a Swedish 10-digit personal number written with
// "-" (or no separator) whose date would lie later this year. It reads as this century's person,
// born in the future; but someone who turns 100 this year, before their birthday, may still write
// it so (the "+" is due from the start of that year, and many systems change it only on the
// birthday). The look-up then means that person, of the century before — as 121212-1212 finds
// 19121212-1212. Creating a customer never guesses: there the number stays refused.
func lookupIdentifiers(in domain.NationalIdentifierInput, field string, now time.Time) ([]domain.NationalIdentifier, error) {
	ni, id, err := domain.ParseNationalIdentifier(in, field, now)
	if err == nil {
		return lookupCandidates(ni, id, in.RegNo.Value), nil
	}
	plus, ok := hundredPlusForm(in)
	if !ok {
		return nil, err
	}
	pni, pid, perr := domain.ParseNationalIdentifier(plus, field, now)
	if perr != nil || !pid.Person {
		return nil, err
	}
	return []domain.NationalIdentifier{pni}, nil
}

// hundredPlusForm returns a Swedish 10-digit personal number written YYMMDD-NNNC or YYMMDDNNNC
// rewritten as YYMMDD+NNNC. The Luhn check does not see the separator and the date differs only
// in its century, so the "+" form is valid exactly when the "-" form failed for lying in the
// future (for YY 00 the "+" century is never a leap year where the "-" one was, so nothing else
// becomes valid).
func hundredPlusForm(in domain.NationalIdentifierInput) (domain.NationalIdentifierInput, bool) {
	cc, ok := domain.CountryCodeInput(in.CountryCode.Value)
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
	in.RegNo = domain.Set(s[:6] + "+" + s[6:])
	return in, true
}

// lookupCandidates returns the national identifiers a look-up by ni may mean. A Swedish personal
// number given in 10 digits with "-" has an inferred century (the latest year ending in its YY
// that is not after this year, so 121212-1212 reads as 2012; "+" from the year a person turns 100);
// someone that old may be registered in the century before, and
// a look-up must still find them (SPEC: 191212121212, 19121212-1212 and 121212-1212 find the
// same person). Creating a customer never guesses: it uses the rule.
func lookupCandidates(ni domain.NationalIdentifier, id nordic.NationalID, raw string) []domain.NationalIdentifier {
	out := []domain.NationalIdentifier{ni}
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
	return append(out, domain.NationalIdentifier{RegNo: fmt.Sprintf("%04d", year-100) + ni.RegNo[4:], CountryCode: "SE"})
}
