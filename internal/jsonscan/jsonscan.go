// Package jsonscan splits JSON objects into their members without decoding the values: the
// values are sub-slices of the input. It is meant for input that json.Valid accepted (a request
// body, a stored event), so it need not report every malformation; it never reads out of bounds
// and reports the malformations it meets as ErrMalformed.
package jsonscan

import (
	"bytes"
	"encoding/json"
	"errors"
	"unicode/utf8"
)

// ErrMalformed reports input that is not well-formed JSON where the scanner looked.
var ErrMalformed = errors.New("jsonscan: malformed JSON")

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// SkipSpace returns the index of the first byte at or after i that is not JSON whitespace.
func SkipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// SkipString returns the index after the string starting at b[i] == '"', and whether it holds
// an escape.
func SkipString(b []byte, i int) (int, bool, error) {
	// Most strings hold no escape: find the closing quote and check for a backslash before it
	// with the vectorised searches (a sealed member's base64 is most of a stored event).
	if q := bytes.IndexByte(b[i+1:], '"'); q >= 0 && bytes.IndexByte(b[i+1:i+1+q], '\\') < 0 {
		return i + 1 + q + 1, false, nil
	}
	escaped := false
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			escaped = true
			i++
		case '"':
			return i + 1, escaped, nil
		}
	}
	return 0, false, ErrMalformed
}

// SkipValue returns the index after the value starting at b[i].
func SkipValue(b []byte, i int) (int, error) {
	if i >= len(b) {
		return 0, ErrMalformed
	}
	switch b[i] {
	case '"':
		j, _, err := SkipString(b, i)
		return j, err
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				j, _, err := SkipString(b, i)
				if err != nil {
					return 0, err
				}
				i = j - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1, nil
				}
			}
		}
		return 0, ErrMalformed
	}
	for ; i < len(b); i++ { // a number or a literal
		switch b[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return i, nil
		}
	}
	return i, nil
}

// Members calls f with each member of the JSON object b, in order: its name, unescaped, and its
// value, a sub-slice of b without surrounding whitespace (capacity capped at its end). isObject
// is false, and f never called, when b is not an object. f's error ends the scan and is
// returned.
func Members(b []byte, f func(name string, value []byte) error) (isObject bool, err error) {
	i := SkipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return false, nil
	}
	i = SkipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return true, nil
	}
	for i < len(b) {
		if b[i] != '"' {
			return true, ErrMalformed
		}
		end, escaped, err := SkipString(b, i)
		if err != nil {
			return true, err
		}
		name := string(b[i+1 : end-1])
		if escaped || !utf8.ValidString(name) { // as encoding/json decodes it
			if err := json.Unmarshal(b[i:end], &name); err != nil {
				return true, ErrMalformed
			}
		}
		i = SkipSpace(b, end)
		if i >= len(b) || b[i] != ':' {
			return true, ErrMalformed
		}
		i = SkipSpace(b, i+1)
		vend, err := SkipValue(b, i)
		if err != nil {
			return true, err
		}
		if err := f(name, b[i:vend:vend]); err != nil {
			return true, err
		}
		i = SkipSpace(b, vend)
		if i < len(b) && b[i] == ',' {
			i = SkipSpace(b, i+1)
			continue
		}
		if i < len(b) && b[i] == '}' {
			return true, nil
		}
		return true, ErrMalformed
	}
	return true, ErrMalformed
}

// PlainString returns the contents of the JSON string v when it holds no escape and is valid
// UTF-8 (ok false otherwise, or when v is no string): what json.Unmarshal gives, without its
// decoder.
func PlainString(v []byte) (s string, ok bool) {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return "", false
	}
	in := v[1 : len(v)-1]
	if bytes.IndexByte(in, '\\') >= 0 || bytes.IndexByte(in, '"') >= 0 || !utf8.Valid(in) {
		return "", false
	}
	for _, c := range in {
		if c < 0x20 { // a control character: not a JSON string
			return "", false
		}
	}
	return string(in), true
}
