package personal

import (
	"bytes"
	"testing"

	"github.com/nordledger/ledger/internal/jsonscan"
)

// sortedSamples are objects splitSorted takes and objects it must leave to the general path.
var sortedSamples = []string{
	`{}`,
	` { } `,
	`{"a":1}`,
	`{"$pd":{"v":1},"a":[1,{"b":"}"}],"b":"x","c":null}`,
	`{"a":1,"b":{"c":2},"customerNo":"1","legalEntity":"consumer"}`,
	`{ "a" : 1 , "b" : 2 }`,
	`{"b":1,"a":2}`,                // not ascending
	`{"a":1,"a":2}`,                // repeated
	`{"a\u0062":1}`,                // escaped name
	`{"<":1}`,                      // a name encoding/json escapes
	`{"å":1}`,                      // non-ASCII name
	`{"a":1,}`,                     // malformed
	`{"a":1`,                       // cut
	`{"a" 1}`,                      // no colon
	`[1]`,                          // not an object
	`{"a\\\\":1,"b\\"":"\\\\\\""}`, // escapes, and a string ending in a backslash pair
	`{"answers.0.answerText":"x"}`, // taken; as sealed members, a nested path for put
}

// checkSorted: when splitSorted takes b, encoding it (alone, and merged with plain's members)
// gives what the general path — splitObject, put, encodeObject — gives.
func checkSorted(t *testing.T, b, plain []byte) {
	t.Helper()
	checkSkipString(t, b)
	sorted, ok := splitSorted(b, 0)
	if !ok {
		return
	}
	o, isObject, err := splitObject(b)
	if err != nil || !isObject {
		t.Fatalf("%q: splitSorted takes it, splitObject says %v %v", b, isObject, err)
	}
	if got, want := mergeEncode(sorted, nil), encodeObject(o); !bytes.Equal(got, want) {
		t.Fatalf("%q: %s, the general path writes %s", b, got, want)
	}
	vals, ok := splitSorted(plain, 0)
	if !ok || !vals.topLevel() {
		return
	}
	pv, _, _ := splitObject(plain)
	for path, v := range pv {
		if err := put(o, path, v); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := mergeEncode(sorted, vals), encodeObject(o); !bytes.Equal(got, want) {
		t.Fatalf("%q with %q: %s, the general path writes %s", b, plain, got, want)
	}
}

// TestSplitSortedEqualsGeneralPath: opening by merging member lists writes what the maps write.
func TestSplitSortedEqualsGeneralPath(t *testing.T) {
	taken := 0
	for _, b := range sortedSamples {
		if _, ok := splitSorted([]byte(b), 0); ok {
			taken++
		}
		for _, plain := range sortedSamples {
			checkSorted(t, []byte(b), []byte(plain))
		}
	}
	if taken != 7 {
		t.Errorf("splitSorted took %d samples, want 7", taken)
	}
}

// FuzzSplitSorted: for any data and sealed members, the merge writes what the maps write.
func FuzzSplitSorted(f *testing.F) {
	for _, b := range sortedSamples {
		f.Add([]byte(b), []byte(`{"a":2,"name":"x","z":[1]}`))
	}
	f.Fuzz(func(t *testing.T, b, plain []byte) { checkSorted(t, b, plain) })
}

// checkSkipString: jsonscan.SkipString finds the end of every string of b as a byte-by-byte scan does.
func checkSkipString(t *testing.T, b []byte) {
	t.Helper()
	for i, c := range b {
		if c != '"' {
			continue
		}
		end, escaped, err := jsonscan.SkipString(b, i)
		wantEnd, wantEscaped, wantOK := 0, false, false
		for j := i + 1; j < len(b); j++ {
			if b[j] == '\\' {
				wantEscaped = true
				j++
			} else if b[j] == '"' {
				wantEnd, wantOK = j+1, true
				break
			}
		}
		if (err == nil) != wantOK || end != wantEnd || (wantOK && escaped != wantEscaped) {
			t.Fatalf("%q at %d: %d %v %v, want %d %v %v", b, i, end, escaped, err, wantEnd, wantEscaped, wantOK)
		}
	}
}
