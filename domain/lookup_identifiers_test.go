package domain_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/nordledger/ledger/domain"
)

// LookupNationalIdentifiers holds the look-up rules of a national identifier: a Swedish personal
// number given in 10 digits may mean the person of the century before too (SPEC §3), and in the
// year someone turns 100, before the birthday, the "-" form (which would lie in the future) means
// that person. ParseNationalIdentifier, which creating a customer uses, never guesses.
func TestLookupNationalIdentifiers(t *testing.T) {
	today := time.Date(2026, time.June, 15, 12, 0, 0, 0, time.UTC)
	se := func(regNo string) domain.NationalIdentifier {
		return domain.NationalIdentifier{RegNo: regNo, CountryCode: "SE"}
	}
	for _, tt := range []struct {
		regNo, country string
		want           []domain.NationalIdentifier // nil: refused
	}{
		// 10 digits with "-" or none: this century's reading first, then the century before.
		{"121212-1212", "SE", []domain.NationalIdentifier{se("20121212-1212"), se("19121212-1212")}},
		{"1212121212", "se", []domain.NationalIdentifier{se("20121212-1212"), se("19121212-1212")}},
		// "+" and 12 digits say the century: no guessing.
		{"121212+1212", "SE", []domain.NationalIdentifier{se("19121212-1212")}},
		{"191212121212", "SE", []domain.NationalIdentifier{se("19121212-1212")}},
		{"19121212-1212", "SE", []domain.NationalIdentifier{se("19121212-1212")}},
		// Turning 100 this year, before the birthday (16 June): the "-" form would be born in the
		// future, so it means the person of 1926.
		{"260616-1236", "SE", []domain.NationalIdentifier{se("19260616-1236")}},
		{"2606161236", "SE", []domain.NationalIdentifier{se("19260616-1236")}},
		{"260616+1236", "SE", []domain.NationalIdentifier{se("19260616-1236")}},
		// Still refused: a wrong check digit, a non-Swedish number, letters.
		{"260616-1237", "SE", nil},
		{"260616-1236", "NO", nil},
		{"26061a-1236", "SE", nil},
		{"", "SE", nil},
	} {
		in := domain.NationalIdentifierInput{RegNo: domain.Set(tt.regNo), CountryCode: domain.Set(tt.country)}
		got, err := domain.LookupNationalIdentifiers(in, "nationalIdentifier", today)
		if tt.want == nil {
			if err == nil {
				t.Errorf("%s %q: %v, want refused", tt.country, tt.regNo, got)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s %q: %v, %v; want %v", tt.country, tt.regNo, got, err, tt.want)
		}
	}
	// Creating a customer never guesses: the rule refuses the future "-" form.
	in := domain.NationalIdentifierInput{RegNo: domain.Set("260616-1236"), CountryCode: domain.Set("SE")}
	if _, _, err := domain.ParseNationalIdentifier(in, "nationalIdentifier", today); err == nil {
		t.Error("ParseNationalIdentifier accepts a birth date in the future")
	}
	// The refusal names the field as ParseNationalIdentifier does.
	in.RegNo = domain.Set("260616-1237")
	_, err := domain.LookupNationalIdentifiers(in, "nationalIdentifier", today)
	_, _, want := domain.ParseNationalIdentifier(in, "nationalIdentifier", today)
	if err == nil || want == nil || err.Error() != want.Error() {
		t.Errorf("refusal %v, want the rule's %v", err, want)
	}
}
