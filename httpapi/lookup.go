package httpapi

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/domain/nordic"
)

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
