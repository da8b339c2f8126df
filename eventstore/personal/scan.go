package personal

import (
	"encoding/json"
	"errors"
)

// A small scanner that splits a JSON object into its members and a JSON array into its elements
// without decoding the values: the values are sub-slices of the input. It is used only on input
// that json.Valid accepted, so it need not report every malformation; it never reads out of
// bounds.

var errScan = errors.New("personal: malformed JSON")

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// skipString returns the index after the string starting at b[i] == '"', and whether it holds
// an escape.
func skipString(b []byte, i int) (int, bool, error) {
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
	return 0, false, errScan
}

// skipValue returns the index after the value starting at b[i].
func skipValue(b []byte, i int) (int, error) {
	if i >= len(b) {
		return 0, errScan
	}
	switch b[i] {
	case '"':
		j, _, err := skipString(b, i)
		return j, err
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				j, _, err := skipString(b, i)
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
		return 0, errScan
	}
	for ; i < len(b); i++ { // a number or a literal
		switch b[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return i, nil
		}
	}
	return i, nil
}

// splitObject returns the members of a JSON object (the last of a repeated name wins, as with
// encoding/json); ok is false when b is not an object.
func splitObject(b []byte) (o object, ok bool, err error) {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return nil, false, nil
	}
	o = object{}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return o, true, nil
	}
	for i < len(b) {
		if b[i] != '"' {
			return nil, false, errScan
		}
		end, escaped, err := skipString(b, i)
		if err != nil {
			return nil, false, err
		}
		name := string(b[i+1 : end-1])
		if escaped {
			if err := json.Unmarshal(b[i:end], &name); err != nil {
				return nil, false, err
			}
		}
		i = skipSpace(b, end)
		if i >= len(b) || b[i] != ':' {
			return nil, false, errScan
		}
		i = skipSpace(b, i+1)
		vend, err := skipValue(b, i)
		if err != nil {
			return nil, false, err
		}
		o[name] = b[i:vend:vend]
		i = skipSpace(b, vend)
		if i < len(b) && b[i] == ',' {
			i = skipSpace(b, i+1)
			continue
		}
		if i < len(b) && b[i] == '}' {
			return o, true, nil
		}
		return nil, false, errScan
	}
	return nil, false, errScan
}

// splitArray returns the elements of a JSON array; ok is false when b is not an array.
func splitArray(b []byte) (items []json.RawMessage, ok bool, err error) {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '[' {
		return nil, false, nil
	}
	items = []json.RawMessage{}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == ']' {
		return items, true, nil
	}
	for i < len(b) {
		end, err := skipValue(b, i)
		if err != nil {
			return nil, false, err
		}
		items = append(items, b[i:end:end])
		i = skipSpace(b, end)
		if i < len(b) && b[i] == ',' {
			i = skipSpace(b, i+1)
			continue
		}
		if i < len(b) && b[i] == ']' {
			return items, true, nil
		}
		return nil, false, errScan
	}
	return nil, false, errScan
}
