package personal

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// object is a JSON object's members, undecoded.
type object map[string]json.RawMessage

func parseObject(data []byte) (object, error) {
	var o object
	if err := json.Unmarshal(data, &o); err != nil {
		return nil, err
	}
	if o == nil {
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
		var items []json.RawMessage
		if err := json.Unmarshal(v, &items); err != nil {
			return v, nil // not an array: nothing of the path is here
		}
		for i, item := range items {
			ni, err := takeValue(item, segs[1:], at+strconv.Itoa(i)+".", out)
			if err != nil {
				return nil, err
			}
			items[i] = ni
		}
		return json.Marshal(items)
	}
	var inner object
	if err := json.Unmarshal(v, &inner); err != nil || inner == nil {
		return v, nil // not an object
	}
	n := len(out)
	if err := takeIn(inner, segs, at, out); err != nil {
		return nil, err
	}
	if len(out) == n {
		return v, nil // unchanged: keep the original bytes
	}
	return json.Marshal(inner)
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
		var items []json.RawMessage
		if err := json.Unmarshal(v, &items); err != nil {
			return nil, err
		}
		i, err := strconv.Atoi(segs[0])
		if err != nil || i < 0 || i >= len(items) {
			return nil, fmt.Errorf("no array element %q", segs[0])
		}
		if items[i], err = putValue(items[i], segs[1:], value); err != nil {
			return nil, err
		}
		return json.Marshal(items)
	}
	inner := object{}
	if len(bytes.TrimSpace(v)) > 0 {
		if err := json.Unmarshal(v, &inner); err != nil {
			return nil, err
		}
		if inner == nil {
			inner = object{}
		}
	}
	nv, err := putValue(inner[segs[0]], segs[1:], value)
	if err != nil {
		return nil, err
	}
	inner[segs[0]] = nv
	return json.Marshal(inner)
}
