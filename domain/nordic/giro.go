package nordic

// ParseBankgiro validates a Swedish bankgiro number (BGSE) and returns its
// digits. Spaces and "-" are removed first ("160-9908" is accepted); 7 or 8
// digits with a Luhn check over all of them.
func ParseBankgiro(s string) (string, error) {
	return parseGiro(s, 7, 8, "bankgiro number", "The bankgiro number must have 7 or 8 digits.")
}

// ParsePlusgiro validates a Swedish plusgiro number (PGSE) and returns its
// digits. Spaces and "-" are removed first ("12 34 56-7" is accepted); 2 to 8
// digits with a Luhn check over all of them.
func ParsePlusgiro(s string) (string, error) {
	return parseGiro(s, 2, 8, "plusgiro number", "The plusgiro number must have 2 to 8 digits.")
}

func parseGiro(s string, minLen, maxLen int, what, lengthMsg string) (string, error) {
	d := removeChars(s, " -")
	if d == "" {
		return "", fail(ReasonEmpty, "The "+what+" is required.")
	}
	if !isDigits(d) {
		return "", fail(ReasonFormat, "The "+what+" must consist of digits.")
	}
	if len(d) < minLen || len(d) > maxLen {
		return "", fail(ReasonLength, lengthMsg)
	}
	if allZeros(d) {
		return "", zeros(what)
	}
	if !luhnValid(d) {
		return "", fail(ReasonChecksum, "The check digit of the "+what+" is wrong.")
	}
	return d, nil
}
