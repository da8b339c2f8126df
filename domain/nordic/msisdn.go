package nordic

import (
	"regexp"
	"strings"
)

var msisdnPattern = regexp.MustCompile(`^\+[1-9][0-9]{3,13}$`)

// ParseMSISDN validates a phone number in E.164 form as SPEC §4 defines it:
// "+" followed by 4–14 digits (5–15 characters in all), the first digit (of
// the country code) not 0. Surrounding whitespace is trimmed; nothing else is
// removed. It returns the trimmed number, e.g. "+91485918841".
func ParseMSISDN(s string) (string, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return "", fail(ReasonEmpty, "The MSISDN is required.")
	}
	if !msisdnPattern.MatchString(t) {
		if strings.HasPrefix(t, "+") && isDigits(t[1:]) && t[1] != '0' {
			return "", fail(ReasonLength, "The MSISDN must have 4 to 14 digits after the +.")
		}
		return "", fail(ReasonFormat, "The MSISDN must be + followed by the country code and number, digits only.")
	}
	return t, nil
}
