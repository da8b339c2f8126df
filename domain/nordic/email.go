package nordic

import (
	"regexp"
	"unicode"
	"unicode/utf8"
)

// emailPattern is SPEC §4's `[^@]+@[^\.]+\..+`, matched against the whole string.
var emailPattern = regexp.MustCompile(`^[^@]+@[^.]+\..+$`)

// maxEmailLen is the longest accepted e-mail address in bytes.
const maxEmailLen = 254

// ValidEmail reports whether s is an acceptable e-mail address per SPEC §4:
// at most 254 bytes, valid UTF-8 without whitespace or control characters,
// (nor invisible format characters such as U+200B), and the whole string matching [^@]+@[^\.]+\..+ . The value is not trimmed.
func ValidEmail(s string) bool {
	if len(s) > maxEmailLen || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return false
		}
	}
	return emailPattern.MatchString(s)
}
