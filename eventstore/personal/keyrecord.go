package personal

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strconv"
)

// parseKeyRecord decodes a key record's JSON as json.Unmarshal into a KeyRecord does. The layout
// json.Marshal writes for a live key — `{"rev":N,"master":"mk-…","wrapped":"base64"}` — is read
// by hand (a rebuild reads the record of every customer); anything else goes to json.Unmarshal,
// so the result and the errors are exactly encoding/json's (TestParseKeyRecordEqualsUnmarshal,
// FuzzParseKeyRecord).
func parseKeyRecord(v []byte) (KeyRecord, error) {
	if r, ok := parseKeyRecordFast(v); ok {
		return r, nil
	}
	var r KeyRecord
	err := json.Unmarshal(v, &r)
	return r, err
}

func parseKeyRecordFast(v []byte) (r KeyRecord, ok bool) {
	b, found := bytes.CutPrefix(v, []byte(`{"rev":`))
	if !found {
		return r, false
	}
	n := 0
	for n < len(b) && b[n] >= '0' && b[n] <= '9' {
		n++
	}
	if n == 0 || (n > 1 && b[0] == '0') {
		return r, false
	}
	rev, err := strconv.ParseUint(string(b[:n]), 10, 64)
	if err != nil {
		return r, false
	}
	if b, found = bytes.CutPrefix(b[n:], []byte(`,"master":`)); !found {
		return r, false
	}
	master, b, ok := plainString(b)
	if !ok {
		return r, false
	}
	if b, found = bytes.CutPrefix(b, []byte(`,"wrapped":`)); !found {
		return r, false
	}
	wrapped, b, ok := plainString(b)
	if !ok || len(b) != 1 || b[0] != '}' {
		return r, false
	}
	r.Wrapped = make([]byte, base64.StdEncoding.DecodedLen(len(wrapped)))
	m, err := base64.StdEncoding.Decode(r.Wrapped, wrapped)
	if err != nil {
		return KeyRecord{}, false // json.Unmarshal reports it
	}
	r.Rev, r.Master, r.Wrapped = rev, string(master), r.Wrapped[:m]
	return r, true
}
