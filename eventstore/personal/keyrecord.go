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
	rev, master, wrapped, ok := scanKeyRecord(v)
	if !ok {
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

// scanKeyRecord splits json.Marshal's layout of a live key into its fields, without copying:
// the wrapped key still in base64, not yet checked. ok is false for any other layout.
func scanKeyRecord(v []byte) (rev uint64, master, wrapped []byte, ok bool) {
	b, found := bytes.CutPrefix(v, []byte(`{"rev":`))
	if !found {
		return 0, nil, nil, false
	}
	n := 0
	for n < len(b) && b[n] >= '0' && b[n] <= '9' {
		n++
	}
	if n == 0 || (n > 1 && b[0] == '0') {
		return 0, nil, nil, false
	}
	rev, err := strconv.ParseUint(string(b[:n]), 10, 64)
	if err != nil {
		return 0, nil, nil, false
	}
	if b, found = bytes.CutPrefix(b[n:], []byte(`,"master":`)); !found {
		return 0, nil, nil, false
	}
	if master, b, ok = plainString(b); !ok {
		return 0, nil, nil, false
	}
	if b, found = bytes.CutPrefix(b, []byte(`,"wrapped":`)); !found {
		return 0, nil, nil, false
	}
	if wrapped, b, ok = plainString(b); !ok || len(b) != 1 || b[0] != '}' {
		return 0, nil, nil, false
	}
	return rev, master, wrapped, true
}

// recordMaster returns the id of the master key that wraps a key record's data key, and whether
// the record is live (not a tombstone), as parseKeyRecord's Master and !Destroyed — with its
// errors — but without copying a live key's record in json.Marshal's layout: a start checks the
// record of every customer (Store.CheckMasterKeys). master aliases v.
func recordMaster(v []byte) (master []byte, live bool, err error) {
	if _, master, wrapped, ok := scanKeyRecord(v); ok {
		var buf [96]byte // a wrapped data key: 12 bytes of nonce, 32 of key, 16 of tag
		if base64.StdEncoding.DecodedLen(len(wrapped)) <= len(buf) {
			if _, err := base64.StdEncoding.Decode(buf[:], wrapped); err == nil {
				return master, true, nil
			}
		}
	}
	r, err := parseKeyRecord(v)
	if err != nil {
		return nil, false, err
	}
	return []byte(r.Master), !r.Destroyed, nil
}
