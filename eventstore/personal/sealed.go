package personal

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strconv"

	"github.com/nordledger/ledger/internal/jsonw"
)

// appendJSON appends s as json.Marshal encodes it (TestSealedAppendJSONEqualsMarshal), without
// reflection: every sealed event's SealedMember is written by it.
func (s sealedData) appendJSON(b []byte) []byte {
	b = append(b, `{"v":`...)
	b = strconv.AppendInt(b, int64(s.V), 10)
	b = append(b, `,"f":`...)
	b = jsonw.AppendStrings(b, s.F)
	b = append(b, `,"c":`...)
	b = jsonw.AppendBytes(b, s.C)
	return append(b, '}')
}

// jsonSize is about the length of s's JSON: appendJSON's output fits in it unless a path needs
// escapes.
func (s sealedData) jsonSize() int {
	n := len(`{"v":1,"f":[],"c":""}`) + base64.StdEncoding.EncodedLen(len(s.C))
	for _, f := range s.F {
		n += len(f) + 3
	}
	return n
}

// parseSealed decodes a SealedMember's JSON as json.Unmarshal into sealedData does. The layout
// SealEvent writes — `{"v":1,"f":["name",...],"c":"base64"}`, no space, member names and paths
// in printable ASCII without escapes — is read by hand: a rebuild opens every sealed event of the
// log, and encoding/json's reflection and base64 through an interface were most of the cost of
// opening one. Anything else (another member order, spaces, escapes, null, other numbers) goes
// to json.Unmarshal, so the result and the errors are exactly encoding/json's
// (TestParseSealedEqualsUnmarshal, FuzzParseSealed).
func parseSealed(raw []byte) (sealedData, error) {
	if s, ok := parseSealedFast(raw); ok {
		return s, nil
	}
	var s sealedData
	err := json.Unmarshal(raw, &s)
	return s, err
}

// parseSealedFast reads the layout SealEvent writes; ok is false for anything else.
func parseSealedFast(raw []byte) (s sealedData, ok bool) {
	b, found := bytes.CutPrefix(raw, []byte(`{"v":1,"f":[`))
	if !found {
		return s, false
	}
	s.V = 1
	s.F = make([]string, 0, bytes.Count(b[:bytes.IndexByte(b, ']')+1], []byte(`","`))+1)
	if len(b) > 0 && b[0] == ']' {
		b = b[1:]
	} else {
		for {
			str, rest, ok := plainString(b)
			if !ok || len(rest) == 0 {
				return s, false
			}
			s.F = append(s.F, string(str))
			b = rest[1:]
			if rest[0] == ']' {
				break
			}
			if rest[0] != ',' {
				return s, false
			}
		}
	}
	b, found = bytes.CutPrefix(b, []byte(`,"c":`))
	if !found {
		return s, false
	}
	c, rest, ok := plainString(b)
	if !ok || len(rest) != 1 || rest[0] != '}' {
		return s, false
	}
	s.C = make([]byte, base64.StdEncoding.DecodedLen(len(c)))
	n, err := base64.StdEncoding.Decode(s.C, c)
	if err != nil {
		return s, false // json.Unmarshal reports it
	}
	s.C = s.C[:n]
	return s, true
}

// plainString returns the contents of the JSON string at the start of b and what follows it; ok
// is false unless b starts with a string of printable ASCII without escapes (which decodes to
// itself).
func plainString(b []byte) (str, rest []byte, ok bool) {
	if len(b) == 0 || b[0] != '"' {
		return nil, nil, false
	}
	for i := 1; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			return b[1:i], b[i+1:], true
		case c < 0x20 || c >= 0x7f || c == '\\':
			return nil, nil, false
		}
	}
	return nil, nil, false
}
