package personal

import (
	"encoding/json"
	"reflect"
	"testing"
)

// keyRecordSamples are key records as json.Marshal writes them and in other shapes
// json.Unmarshal takes or refuses.
var keyRecordSamples = []string{
	`{"rev":1,"master":"mk-0123456789ab","wrapped":"h9/lCn9kT/VV4fSDIN6CGvIhrLGzqQt9rB+4Uc55A+kXCe8PUgN2rrxiLbdCkvN3iLrBXqzE5Sjf"}`,
	`{"rev":18446744073709551615,"master":"mk-1","wrapped":""}`,
	`{"rev":18446744073709551616,"master":"mk-1","wrapped":""}`, // overflows
	`{"rev":0,"master":"","wrapped":"AA=="}`,
	`{"rev":01,"master":"mk","wrapped":"AA=="}`,
	`{"rev":-1,"master":"mk","wrapped":"AA=="}`,
	`{"rev":1.5,"master":"mk","wrapped":"AA=="}`,
	`{"rev":1e3,"master":"mk","wrapped":"AA=="}`,
	`{"rev":1,"master":"mk","wrapped":"AA"}`,
	`{"rev":1,"master":"mk","wrapped":"A\u0041=="}`,
	`{"rev":1,"master":"m\"k","wrapped":"AA=="}`,
	`{"rev":1,"master":"mk","wrapped":"AA=="} `,
	`{"rev":1,"master":"mk","wrapped":"AA==",}`,
	`{"rev":1,"master":"mk","wrapped":null}`,
	`{"rev":2,"destroyed":true}`,
	`{"rev":1,"destroyed":false,"master":"mk","wrapped":"AA=="}`,
	`{"Rev":1,"Master":"mk","Wrapped":"AA=="}`,
	`{"rev":1,"master":"mk"}`,
	`{"rev":1,`,
	`null`,
	``,
}

func checkParseKeyRecord(t *testing.T, v []byte) {
	t.Helper()
	var want KeyRecord
	wantErr := json.Unmarshal(v, &want)
	got, err := parseKeyRecord(v)
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("%q: error %v, json.Unmarshal's %v", v, err, wantErr)
	}
	if err == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("%q: %#v, json.Unmarshal gives %#v", v, got, want)
	}
}

// TestParseKeyRecordEqualsUnmarshal: the hand parser returns what json.Unmarshal returns, and
// fails where it fails; json.Marshal's output of a live key takes the hand-written path.
func TestParseKeyRecordEqualsUnmarshal(t *testing.T) {
	for _, v := range keyRecordSamples {
		checkParseKeyRecord(t, []byte(v))
	}
	v, _ := json.Marshal(KeyRecord{Rev: 3, Master: "mk-0123456789ab", Wrapped: []byte("0123456789012345678901234567890123456789")})
	if _, ok := parseKeyRecordFast(v); !ok {
		t.Errorf("%s is read by json.Unmarshal, not by hand", v)
	}
}

// checkRecordMaster: recordMaster answers parseKeyRecord's Master and !Destroyed, and fails where
// it fails.
func checkRecordMaster(t *testing.T, v []byte) {
	t.Helper()
	want, wantErr := parseKeyRecord(v)
	master, live, err := recordMaster(v)
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("%q: error %v, parseKeyRecord's %v", v, err, wantErr)
	}
	if err == nil && (string(master) != want.Master || live != !want.Destroyed) {
		t.Fatalf("%q: master %q, live %v; parseKeyRecord gives %q, destroyed %v", v, master, live, want.Master, want.Destroyed)
	}
}

// TestRecordMasterEqualsParseKeyRecord: the master-key check at start (masterIDs) reads each
// record without copying it, and judges it as parseKeyRecord does; a wrapped key longer than the
// check's buffer takes parseKeyRecord's way.
func TestRecordMasterEqualsParseKeyRecord(t *testing.T) {
	for _, v := range keyRecordSamples {
		checkRecordMaster(t, []byte(v))
	}
	long, _ := json.Marshal(KeyRecord{Rev: 1, Master: "mk-1", Wrapped: make([]byte, 200)})
	checkRecordMaster(t, long)
}

// FuzzParseKeyRecord: on any input, the hand parser agrees with json.Unmarshal, and recordMaster
// with the hand parser.
func FuzzParseKeyRecord(f *testing.F) {
	for _, v := range keyRecordSamples {
		f.Add([]byte(v))
	}
	f.Fuzz(func(t *testing.T, v []byte) {
		checkParseKeyRecord(t, v)
		checkRecordMaster(t, v)
	})
}
