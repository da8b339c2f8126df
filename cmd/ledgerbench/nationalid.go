package main

import (
	"fmt"
	"strconv"
	"time"
)

// National identifiers for generated customers. Every number is valid by the rules of
// domain/nordic (check digits, real dates in the past) and each index gives a different number,
// so a million customers never collide on the ledger's national-identifier reservation.
//
// Index spaces (per country, see personCountry): Swedish personnummer 27.7M, Norwegian
// fødselsnummer ~11M, Danish CPR ~100M, Finnish HETU ~24M, Swedish organisationsnummer 448M.
// maxIndex keeps every country inside its space with the country mix of countryMix.

// maxIndex bounds the customer indexes a run may use (seed and creates together).
const maxIndex = 30_000_000

// Birth dates span 1930-01-01 to 2005-12-31: adults, all in the past.
var (
	birthFirst = time.Date(1930, 1, 1, 0, 0, 0, 0, time.UTC)
	birthDays  = int(time.Date(2005, 12, 31, 0, 0, 0, 0, time.UTC).Sub(birthFirst).Hours()/24) + 1
	// Denmark and Finland use a century digit/sign; births before 2000 keep one rule each.
	birthDays1900 = int(time.Date(1999, 12, 31, 0, 0, 0, 0, time.UTC).Sub(birthFirst).Hours()/24) + 1
)

func birthDate(day int) time.Time { return birthFirst.AddDate(0, 0, day) }

// luhnDigit returns the Luhn check digit of digits.
func luhnDigit(digits string) byte {
	sum := 0
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
		if (len(digits)-1-i)%2 == 0 { // doubled: the check digit will be at an even offset from the right
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return byte('0' + (10-sum%10)%10)
}

// swedishPersonnummer returns the j-th Swedish personnummer, YYYYMMDD-NNNC (serial 001–999).
func swedishPersonnummer(j int) string {
	d := birthDate(j % birthDays)
	serial := 1 + j/birthDays
	if serial > 999 {
		panic(fmt.Sprintf("ledgerbench: Swedish personnummer index %d out of range", j))
	}
	short := d.Format("060102") + fmt.Sprintf("%03d", serial)
	return d.Format("20060102") + "-" + fmt.Sprintf("%03d", serial) + string(luhnDigit(short))
}

// swedishOrgNumber returns the j-th Swedish organisationsnummer, NNNNNN-NNNC (third digit ≥ 2).
func swedishOrgNumber(j int) string {
	body := strconv.Itoa(552_000_000 + j)
	if len(body) != 9 {
		panic(fmt.Sprintf("ledgerbench: Swedish organisation number index %d out of range", j))
	}
	return body[:6] + "-" + body[6:] + string(luhnDigit(body))
}

// swedishVAT returns the VAT number of a Swedish organisationsnummer: SE + 10 digits + 01.
func swedishVAT(orgNo string) string { return "SE" + orgNo[:6] + orgNo[7:] + "01" }

var (
	noK1 = []int{3, 7, 6, 1, 8, 9, 4, 5, 2}
	noK2 = []int{5, 4, 3, 2, 7, 6, 5, 4, 3, 2}
)

// mod11Control returns the control digit making Σ w·d + c ≡ 0 (mod 11), or false when it
// would be 10 (no valid number with these digits).
func mod11Control(digits string, weights []int) (byte, bool) {
	sum := 0
	for i, w := range weights {
		sum += w * int(digits[i]-'0')
	}
	c := (11 - sum%11) % 11
	if c == 10 {
		return 0, false
	}
	return byte('0' + c), true
}

// norwegianFodselsnummer returns the j-th Norwegian fødselsnummer, DDMMYYIIIKK: born in the
// 1900s with individual numbers 000–499, born 2000–2005 with 500–999 (the legacy century rule),
// skipping individual numbers that have no valid control digits.
func norwegianFodselsnummer(j int) string {
	d := birthDate(j % birthDays)
	k := j / birthDays // the k-th valid individual number of the date
	lo, hi := 0, 499
	if d.Year() >= 2000 {
		lo, hi = 500, 999
	}
	for ind := lo; ind <= hi; ind++ {
		head := d.Format("020106") + fmt.Sprintf("%03d", ind)
		c1, ok1 := mod11Control(head, noK1)
		if !ok1 {
			continue
		}
		c2, ok2 := mod11Control(head+string(c1), noK2)
		if !ok2 {
			continue
		}
		if k == 0 {
			return head + string(c1) + string(c2)
		}
		k--
	}
	panic(fmt.Sprintf("ledgerbench: Norwegian fødselsnummer index %d out of range", j))
}

// danishCPR returns the j-th Danish CPR number, DDMMYY-SSSS, born 1930–1999 (serials
// 0000–3999 put the birth in the 1900s).
func danishCPR(j int) string {
	d := birthDate(j % birthDays1900)
	serial := j / birthDays1900
	if serial > 3999 {
		panic(fmt.Sprintf("ledgerbench: Danish CPR index %d out of range", j))
	}
	return d.Format("020106") + "-" + fmt.Sprintf("%04d", serial)
}

const hetuChars = "0123456789ABCDEFHJKLMNPRSTUVWXY"

// finnishHETU returns the j-th Finnish HETU, DDMMYYCZZZQ, with individual numbers 002–899 and
// the century sign "-" (1900s) or "A" (2000s).
func finnishHETU(j int) string {
	d := birthDate(j % birthDays)
	z := 2 + j/birthDays
	if z > 899 {
		panic(fmt.Sprintf("ledgerbench: Finnish HETU index %d out of range", j))
	}
	sign := "-"
	if d.Year() >= 2000 {
		sign = "A"
	}
	digits := d.Format("020106") + fmt.Sprintf("%03d", z)
	n, _ := strconv.Atoi(digits)
	return d.Format("020106") + sign + fmt.Sprintf("%03d", z) + string(hetuChars[n%31])
}
