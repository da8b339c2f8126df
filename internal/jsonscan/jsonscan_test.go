package jsonscan_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"github.com/nordledger/ledger/internal/jsonscan"
)

var samples = []string{
	`{}`, ` { } `, `{"a":1}`, `{"a" : "x" , "b":[1,{"c":"}"}],"d":{"e":null}}`,
	`{"esc\"aped":"va\\lue","\u00e5":"ö","n":-1.5e3,"t":true,"f":false}`,
	`{"emailAddress":"a@b.se","legalAddress":{"city":"STOCKHOLM","zipCode":"111 52"}}`,
	`[1,2]`, `"s"`, `12`, `null`, `{"a":1,"a":2}`, `{"x":"\ud83d\ude00"}`,
}

// checkMembers: for well-formed JSON, Members gives the members encoding/json gives, in order,
// values byte for byte as the decoder's RawMessage.
func checkMembers(t *testing.T, b []byte) {
	t.Helper()
	if !json.Valid(b) {
		return
	}
	type member struct {
		name  string
		value string
	}
	var got []member
	isObject, err := jsonscan.Members(b, func(name string, v []byte) error {
		got = append(got, member{name, string(v)})
		return nil
	})
	if err != nil {
		t.Fatalf("%q: %v", b, err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	tok, _ := dec.Token()
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		if isObject {
			t.Fatalf("%q: Members took a non-object", b)
		}
		return
	}
	if !isObject {
		t.Fatalf("%q: Members refused an object", b)
	}
	var want []member
	for dec.More() {
		tok, _ := dec.Token()
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
		want = append(want, member{tok.(string), string(v)})
	}
	if len(got) != len(want) {
		t.Fatalf("%q: %v, want %v", b, got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("%q: member %d %q, want %q", b, i, got[i], want[i])
		}
	}
}

// checkPlainString: PlainString gives json.Unmarshal's string whenever it takes a value.
func checkPlainString(t *testing.T, b []byte) {
	t.Helper()
	s, ok := jsonscan.PlainString(b)
	if !ok {
		return
	}
	var want string
	if err := json.Unmarshal(b, &want); err != nil || s != want {
		if json.Valid(b) {
			t.Fatalf("%q: %q, json.Unmarshal %q (%v)", b, s, want, err)
		}
	}
}

func TestMembersEqualsDecoder(t *testing.T) {
	for _, s := range samples {
		checkMembers(t, []byte(s))
		checkPlainString(t, []byte(s))
	}
	stop := errors.New("stop")
	n := 0
	if _, err := jsonscan.Members([]byte(`{"a":1,"b":2}`), func(string, []byte) error { n++; return stop }); err != stop || n != 1 {
		t.Errorf("an error of f did not end the scan: %v after %d", err, n)
	}
}

// FuzzMembers: Members and PlainString agree with encoding/json on any input it accepts.
func FuzzMembers(f *testing.F) {
	for _, s := range samples {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		checkMembers(t, b)
		checkPlainString(t, b)
		jsonscan.Members(b, func(string, []byte) error { return nil }) // never panics on anything
	})
}
