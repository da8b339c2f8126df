package nordic

var noAccountWeights = []int{5, 4, 3, 2, 7, 6, 5, 4, 3, 2, 1}

// ParseNorwegianAccount validates a Norwegian bank account number
// (kontonummer, BBBB.CC.AAAAK) and returns its 11 digits. Spaces and dots are
// removed first ("8601.11.17947" and "8601 11 17947" are accepted). The check
// digit K = 11 − (Σ 5,4,3,2,7,6,5,4,3,2 · d1..d10 mod 11), 11 → 0; a
// remainder that would need K = 10 makes the number invalid (never issued).
func ParseNorwegianAccount(s string) (string, error) {
	d := removeChars(s, " .")
	if d == "" {
		return "", fail(ReasonEmpty, "The Norwegian account number is required.")
	}
	if !isDigits(d) {
		return "", fail(ReasonFormat, "The Norwegian account number must consist of digits.")
	}
	if len(d) != 11 {
		return "", fail(ReasonLength, "The Norwegian account number must have 11 digits.")
	}
	if allZeros(d) {
		return "", zeros("Norwegian account number")
	}
	if !noAccountValid(d) {
		return "", fail(ReasonChecksum, "The check digit of the Norwegian account number is wrong.")
	}
	return d, nil
}

// noAccountValid reports whether the 11 digits pass the kontonummer mod-11 check.
func noAccountValid(d string) bool {
	return weightedSum(d, noAccountWeights)%11 == 0
}
