package nordic

import "strings"

// isDigits reports whether s is non-empty and consists of ASCII digits only.
func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// allZeros reports whether s consists of the digit 0 only. Such a number passes every weighted
// checksum (Luhn and mod 11 alike) but is never issued, so validators refuse it (as
// kontonummer's checks do).
func allZeros(s string) bool {
	return strings.Trim(s, "0") == ""
}

// zeros is the error of a number of only zeros.
func zeros(what string) *Error {
	return fail(ReasonFormat, "The "+what+" consists of zeros only; no such number is issued.")
}

// atoi converts a string of ASCII digits (already checked) to an int.
func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// luhnValid reports whether the digit string passes the Luhn (mod 10) check,
// the last digit being the check digit.
func luhnValid(s string) bool {
	sum := 0
	for i := 0; i < len(s); i++ {
		d := int(s[len(s)-1-i] - '0')
		if i%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

// weightedSum returns Σ weights[i]·digit[i] for a digit string and weights of
// the same length.
func weightedSum(s string, weights []int) int {
	sum := 0
	for i, w := range weights {
		sum += w * int(s[i]-'0')
	}
	return sum
}

// mod11RightWeights reports whether Σ w·d ≡ 0 (mod 11) with the weights
// 1,2,…,10,1,2,… counted from the rightmost digit (Bankgirot's mod 11).
func mod11RightWeights(s string) bool {
	sum := 0
	for i := 0; i < len(s); i++ {
		sum += (i%10 + 1) * int(s[len(s)-1-i]-'0')
	}
	return sum%11 == 0
}

// asciiUpper upper-cases ASCII letters only (strings.ToUpper would also map
// e.g. U+017F "ſ" to "S").
func asciiUpper(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		b.WriteByte(c)
	}
	return b.String()
}

// removeChars returns s without any byte listed in cut.
func removeChars(s, cut string) string {
	return strings.Map(func(r rune) rune {
		if strings.ContainsRune(cut, r) {
			return -1
		}
		return r
	}, s)
}
