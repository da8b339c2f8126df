// Package jsonw appends JSON values exactly as encoding/json's Marshal writes them, without
// reflection, for the hot paths that encode the same few types many times per second (the
// customer resource of a GET). Each writer is tested against json.Marshal (and the NoEscapeHTML
// one against a json.Encoder that does not escape HTML, as the API's answers are written).
package jsonw

import (
	"encoding/base64"
	"unicode/utf8"
)

const hex = "0123456789abcdef"

// AppendString appends s as json.Marshal encodes a string: quoted; `"`, `\` and control
// characters escaped (\n, \r, \t, \b, \f by name); <, > and & escaped as \u003c, \u003e and
// \u0026 (Marshal's HTML-safe default); U+2028 and U+2029 escaped; each invalid UTF-8 byte
// replaced by \ufffd; everything else, non-ASCII letters included, as it is.
func AppendString(b []byte, s string) []byte { return appendString(b, s, true) }

// AppendStringNoEscapeHTML appends s as a json.Encoder with SetEscapeHTML(false) encodes a
// string: as AppendString, but <, > and & as they are.
func AppendStringNoEscapeHTML(b []byte, s string) []byte { return appendString(b, s, false) }

func appendString(b []byte, s string, escapeHTML bool) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && (!escapeHTML || c != '<' && c != '>' && c != '&') {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default: // other control characters and <, >, &
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// AppendBool appends true or false.
func AppendBool(b []byte, v bool) []byte {
	if v {
		return append(b, "true"...)
	}
	return append(b, "false"...)
}

// AppendBytes appends a []byte as json.Marshal does: standard base64 in quotes, null when nil.
func AppendBytes(b, data []byte) []byte {
	if data == nil {
		return append(b, "null"...)
	}
	b = append(b, '"')
	b = base64.StdEncoding.AppendEncode(b, data)
	return append(b, '"')
}

// AppendStrings appends a []string as json.Marshal does: null when nil.
func AppendStrings(b []byte, ss []string) []byte { return appendStrings(b, ss, true) }

// AppendStringsNoEscapeHTML appends a []string as AppendStrings does, its strings as
// AppendStringNoEscapeHTML writes them.
func AppendStringsNoEscapeHTML(b []byte, ss []string) []byte { return appendStrings(b, ss, false) }

func appendStrings(b []byte, ss []string, escapeHTML bool) []byte {
	if ss == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, s, escapeHTML)
	}
	return append(b, ']')
}
