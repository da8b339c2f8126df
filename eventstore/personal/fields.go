package personal

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// object is a JSON object's members, undecoded.
type object map[string]json.RawMessage

// parseObject splits a JSON object into its members (the values undecoded, sub-slices of data).
func parseObject(data []byte) (object, error) {
	if !json.Valid(data) {
		return nil, fmt.Errorf("personal: event data is not JSON")
	}
	o, ok, err := splitObject(data)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("personal: event data is not a JSON object")
	}
	return o, nil
}

var jsonNull = []byte("null")

// take removes the members at a classified path (dot-separated, "*" for every array element)
// from o and adds them to out under their concrete paths ("answers.2.answerText"). Missing
// members and JSON nulls are skipped: they hold nothing.
func take(o object, path string, out map[string]json.RawMessage) error {
	segs := strings.Split(path, ".")
	return takeIn(o, segs, "", out)
}

func takeIn(o object, segs []string, at string, out map[string]json.RawMessage) error {
	v, ok := o[segs[0]]
	if !ok || bytes.Equal(bytes.TrimSpace(v), jsonNull) {
		return nil
	}
	at += segs[0]
	if len(segs) == 1 {
		out[at] = v
		delete(o, segs[0])
		return nil
	}
	nv, err := takeValue(v, segs[1:], at+".", out)
	if err != nil {
		return err
	}
	o[segs[0]] = nv
	return nil
}

// takeValue applies the rest of a path to one member's value and returns the value without the
// members taken.
func takeValue(v json.RawMessage, segs []string, at string, out map[string]json.RawMessage) (json.RawMessage, error) {
	if segs[0] == "*" {
		items, ok, err := splitArray(v)
		if err != nil || !ok {
			return v, err // not an array: nothing of the path is here
		}
		for i, item := range items {
			ni, err := takeValue(item, segs[1:], at+strconv.Itoa(i)+".", out)
			if err != nil {
				return nil, err
			}
			items[i] = ni
		}
		return encodeArray(items), nil
	}
	inner, ok, err := splitObject(v)
	if err != nil || !ok {
		return v, err // not an object
	}
	n := len(out)
	if err := takeIn(inner, segs, at, out); err != nil {
		return nil, err
	}
	if len(out) == n {
		return v, nil // unchanged: keep the original bytes
	}
	return encodeObject(inner), nil
}

// put sets the value at a concrete path (as take made it) in o, creating objects on the way. A
// segment is an array index where the value it applies to is an array.
func put(o object, path string, value json.RawMessage) error {
	segs := strings.Split(path, ".")
	if len(segs) == 1 {
		o[segs[0]] = value
		return nil
	}
	nv, err := putValue(o[segs[0]], segs[1:], value)
	if err != nil {
		return fmt.Errorf("personal: restoring %s: %w", path, err)
	}
	o[segs[0]] = nv
	return nil
}

func putValue(v json.RawMessage, segs []string, value json.RawMessage) (json.RawMessage, error) {
	if len(segs) == 0 {
		return value, nil
	}
	if t := bytes.TrimSpace(v); len(t) > 0 && t[0] == '[' {
		items, _, err := splitArray(v)
		if err != nil {
			return nil, err
		}
		i, err := strconv.Atoi(segs[0])
		if err != nil || i < 0 || i >= len(items) {
			return nil, fmt.Errorf("no array element %q", segs[0])
		}
		if items[i], err = putValue(items[i], segs[1:], value); err != nil {
			return nil, err
		}
		return encodeArray(items), nil
	}
	inner := object{}
	if len(bytes.TrimSpace(v)) > 0 && !bytes.Equal(bytes.TrimSpace(v), jsonNull) {
		o, ok, err := splitObject(v)
		if err != nil || !ok {
			return nil, fmt.Errorf("not an object: %w", err)
		}
		inner = o
	}
	nv, err := putValue(inner[segs[0]], segs[1:], value)
	if err != nil {
		return nil, err
	}
	inner[segs[0]] = nv
	return encodeObject(inner), nil
}

// encodeObject writes an object's members in key order with their values as they are (they
// come from parsing valid JSON): encoding/json's map encoding, without its reflection and its
// re-validation of every raw value — the larger part of sealing's cost.
func encodeObject(o object) []byte {
	keys := slices.Sorted(maps.Keys(o))
	n := 2
	for _, k := range keys {
		n += len(k) + len(o[k]) + 4
	}
	b := make([]byte, 0, n)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendKey(b, k)
		b = append(b, ':')
		b = append(b, o[k]...)
	}
	return append(b, '}')
}

// encodeArray writes a list of raw values.
func encodeArray(items []json.RawMessage) []byte {
	b := []byte{'['}
	for i, v := range items {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, v...)
	}
	return append(b, ']')
}

// appendKey appends a member name as a JSON string: as it is when it needs no escaping (every
// name of the domain's JSON), else as encoding/json writes it.
func appendKey(b []byte, k string) []byte {
	for i := 0; i < len(k); i++ {
		if c := k[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(k)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, k...)
	return append(b, '"')
}
