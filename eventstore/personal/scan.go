package personal

import (
	"bytes"
	"encoding/json"

	"github.com/nordledger/ledger/internal/jsonscan"
)

// A small scanner that splits a JSON object into its members and a JSON array into its elements
// without decoding the values: the values are sub-slices of the input (internal/jsonscan). It is
// used only on input that json.Valid accepted, so it need not report every malformation; it
// never reads out of bounds.

var errScan = jsonscan.ErrMalformed

// splitObject returns the members of a JSON object (the last of a repeated name wins, as with
// encoding/json); ok is false when b is not an object.
func splitObject(b []byte) (o object, ok bool, err error) {
	o = object{}
	ok, err = jsonscan.Members(b, func(name string, value []byte) error {
		o[name] = value
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	if !ok {
		return nil, false, nil
	}
	return o, true, nil
}

// splitArray returns the elements of a JSON array; ok is false when b is not an array.
func splitArray(b []byte) (items []json.RawMessage, ok bool, err error) {
	i := jsonscan.SkipSpace(b, 0)
	if i >= len(b) || b[i] != '[' {
		return nil, false, nil
	}
	items = []json.RawMessage{}
	i = jsonscan.SkipSpace(b, i+1)
	if i < len(b) && b[i] == ']' {
		return items, true, nil
	}
	for i < len(b) {
		end, err := jsonscan.SkipValue(b, i)
		if err != nil {
			return nil, false, err
		}
		items = append(items, b[i:end:end])
		i = jsonscan.SkipSpace(b, end)
		if i < len(b) && b[i] == ',' {
			i = jsonscan.SkipSpace(b, i+1)
			continue
		}
		if i < len(b) && b[i] == ']' {
			return items, true, nil
		}
		return nil, false, errScan
	}
	return nil, false, errScan
}

// member is one member of a JSON object: its name as written (it needs no unescaping) and its
// value, both sub-slices of the input.
type member struct {
	name, value []byte
}

// sortedObject is a JSON object as SealEvent writes every stored event (encodeObject): member
// names in strictly ascending byte order, each plain (see plainName). Opening an event is then a
// merge of two such lists instead of two maps and a sort: a rebuild opens every event of the
// log. splitSorted refuses every other object; the callers then take the general path
// (splitObject, put, encodeObject), whose result is the same for the objects splitSorted takes.
type sortedObject []member

// splitSorted returns the members of the JSON object b when their names are plain and strictly
// ascending; ok is false otherwise (and for anything that is not such an object).
func splitSorted(b []byte, capacity int) (o sortedObject, ok bool) {
	i := jsonscan.SkipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return nil, false
	}
	o = make(sortedObject, 0, capacity)
	i = jsonscan.SkipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return o, true
	}
	for i < len(b) {
		if b[i] != '"' {
			return nil, false
		}
		end, escaped, err := jsonscan.SkipString(b, i)
		if err != nil || escaped {
			return nil, false
		}
		name := b[i+1 : end-1]
		if !plainName(name) || (len(o) > 0 && bytes.Compare(o[len(o)-1].name, name) >= 0) {
			return nil, false
		}
		i = jsonscan.SkipSpace(b, end)
		if i >= len(b) || b[i] != ':' {
			return nil, false
		}
		i = jsonscan.SkipSpace(b, i+1)
		vend, err := jsonscan.SkipValue(b, i)
		if err != nil {
			return nil, false
		}
		o = append(o, member{name: name, value: b[i:vend:vend]})
		i = jsonscan.SkipSpace(b, vend)
		if i < len(b) && b[i] == ',' {
			i = jsonscan.SkipSpace(b, i+1)
			continue
		}
		if i < len(b) && b[i] == '}' {
			return o, true
		}
		return nil, false
	}
	return nil, false
}

// plainName reports whether a member name is written as it is by appendKey (and so by
// encodeObject): printable ASCII that encoding/json does not escape.
func plainName(name []byte) bool {
	for _, c := range name {
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

// index returns the position of the member named name, or -1.
func (o sortedObject) index(name string) int {
	for i, m := range o {
		if string(m.name) == name {
			return i
		}
	}
	return -1
}

// topLevel reports whether every member name is a path of one segment (put sets it directly).
func (o sortedObject) topLevel() bool {
	for _, m := range o {
		if bytes.IndexByte(m.name, '.') >= 0 {
			return false
		}
	}
	return true
}

// object returns the members as an object (for the general path).
func (o sortedObject) object() object {
	out := make(object, len(o))
	for _, m := range o {
		out[string(m.name)] = m.value
	}
	return out
}

// mergeEncode writes the object with a's members and b's, b's value winning where both have a
// name: what put of each of b's top-level members into a followed by encodeObject writes.
func mergeEncode(a, b sortedObject) []byte {
	n := 2
	for _, m := range a {
		n += len(m.name) + len(m.value) + 4
	}
	for _, m := range b {
		n += len(m.name) + len(m.value) + 4
	}
	out := make([]byte, 0, n)
	out = append(out, '{')
	write := func(m member) {
		if len(out) > 1 {
			out = append(out, ',')
		}
		out = append(out, '"')
		out = append(out, m.name...)
		out = append(out, '"', ':')
		out = append(out, m.value...)
	}
	for len(a) > 0 || len(b) > 0 {
		switch {
		case len(b) == 0:
			write(a[0])
			a = a[1:]
		case len(a) == 0:
			write(b[0])
			b = b[1:]
		default:
			switch c := bytes.Compare(a[0].name, b[0].name); {
			case c < 0:
				write(a[0])
				a = a[1:]
			case c > 0:
				write(b[0])
				b = b[1:]
			default:
				write(b[0])
				a, b = a[1:], b[1:]
			}
		}
	}
	return append(out, '}')
}
