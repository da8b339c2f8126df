package personal

import (
	"encoding/json"
	"reflect"
	"testing"
)

// sealedSamples are sealed members in the layout SealEvent writes and in every other shape
// json.Unmarshal takes or refuses.
var sealedSamples = []string{
	`{"v":1,"f":["emailAddress","legalAddress","msisdn","name"],"c":"h9/lCn9kT/VV4fSDIN6CGvIhrLGzqQt9rB+4Uc55A+k="}`,
	`{"v":1,"f":["answers.2.answerText"],"c":"AAAA"}`,
	`{"v":1,"f":[],"c":""}`,
	`{"v":1,"f":["x"],"c":"AA=="}`,
	`{"v":1,"f":["x"],"c":"AA"}`,        // unpadded: base64's error
	`{"v":1,"f":["x"],"c":"A\nA=="}`,    // a raw newline: invalid JSON
	`{"v":1,"f":["x"],"c":"AA\u003d="}`, // an escape
	`{"v":1,"f":["x"],"c":"!!!!"}`,
	`{"v":1,"f":["x"],"c":null}`,
	`{"v":1,"f":null,"c":"AAAA"}`,
	`{"v":1,"f":["a\"b"],"c":"AAAA"}`,
	`{"v":1,"f":["å"],"c":"AAAA"}`,
	`{"v":1,"f":["a","b"],"c":"AAAA","x":1}`,
	`{"v":1,"f":["a",],"c":"AAAA"}`,
	`{"v":1,"f":["a""b"],"c":"AAAA"}`,
	`{"v":1,"f":["a"],"c":"AAAA"} `,
	`{"v":1,"f":["a"],"c":"AAAA"`,
	`{"v":1,"f":["a"],"c":"AAAA}`,
	`{"v":1,"f":["a"`,
	`{"v":1,"f":[`,
	`{"v":1,"f":[]`,
	`{"v":2,"f":["a"],"c":"AAAA"}`,
	`{"v":10,"f":["a"],"c":"AAAA"}`,
	`{"V":1,"F":["a"],"C":"AAAA"}`,
	`{ "v": 1, "f": ["a"], "c": "AAAA" }`,
	`{"c":"AAAA","f":["a"],"v":1}`,
	`{"v":1,"f":["a"],"f":["b"],"c":"AAAA"}`,
	`[]`,
	`null`,
	``,
}

// TestParseSealedEqualsUnmarshal: the hand parser returns what json.Unmarshal returns, and fails
// where it fails.
func TestParseSealedEqualsUnmarshal(t *testing.T) {
	for _, raw := range sealedSamples {
		checkParseSealed(t, []byte(raw))
	}
	raw, _ := json.Marshal(sealedData{V: sealedFormat, F: []string{"answers.0.answerText", "name"}, C: []byte("0123456789")})
	if _, ok := parseSealedFast(raw); !ok {
		t.Errorf("%s is read by json.Unmarshal, not by hand", raw)
	}
}

func checkParseSealed(t *testing.T, raw []byte) {
	t.Helper()
	var want sealedData
	wantErr := json.Unmarshal(raw, &want)
	got, err := parseSealed(raw)
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("%q: error %v, json.Unmarshal's %v", raw, err, wantErr)
	}
	if err == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("%q: %#v, json.Unmarshal gives %#v", raw, got, want)
	}
	if err == nil {
		checkSealedAppendJSON(t, got)
	}
}

// checkSealedAppendJSON: appendJSON writes what json.Marshal writes.
func checkSealedAppendJSON(t *testing.T, s sealedData) {
	t.Helper()
	want, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.appendJSON([]byte("x")); string(got[1:]) != string(want) || got[0] != 'x' {
		t.Fatalf("appendJSON(%#v) = %s, json.Marshal gives %s", s, got, want)
	}
}

// TestSealedAppendJSONEqualsMarshal: the writer of every SealedMember agrees with json.Marshal,
// on the layouts SealEvent writes and on values it never writes.
func TestSealedAppendJSONEqualsMarshal(t *testing.T) {
	for _, s := range []sealedData{
		{V: sealedFormat, F: []string{"emailAddress", "legalAddress", "msisdn", "name"}, C: []byte("\x00\xff sealed bytes")},
		{V: sealedFormat, F: []string{"answers.0.answerText"}, C: []byte{}},
		{},
		{V: -7, F: []string{}, C: nil},
		{V: 1 << 40, F: []string{"<a>&b", "quote\"back\\slash", "\u2028\u2029", "\xff\xfe", "tab\tnl\n", "å", ""}, C: []byte{1, 2, 3, 4, 5}},
	} {
		checkSealedAppendJSON(t, s)
	}
}

// FuzzParseSealed: on any input, the hand parser agrees with json.Unmarshal.
func FuzzParseSealed(f *testing.F) {
	for _, raw := range sealedSamples {
		f.Add([]byte(raw))
	}
	f.Fuzz(func(t *testing.T, raw []byte) { checkParseSealed(t, raw) })
}
