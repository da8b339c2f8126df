package jsonw

import (
	"bytes"
	"encoding/json"
	"testing"
)

// encodeNoHTML encodes v as a json.Encoder with SetEscapeHTML(false) does, without its newline.
func encodeNoHTML(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
	return string(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
}

var samples = []string{"", "plain", "Åsa Öberg-Ängström", `quote " back \ slash`, "line\nfeed\r\ttab\b\f",
	"\x00\x01\x1f\x7f", "<script>&amp;</script>", "\u2028\u2029", "bad \xff\xfe utf8 \xc3", "emoji 😀 and ß", "\xed\xa0\x80 surrogate"}

func TestAppendStringIsMarshal(t *testing.T) {
	for _, s := range samples {
		want, _ := json.Marshal(s)
		if got := AppendString(nil, s); string(got) != string(want) {
			t.Errorf("AppendString(%q) = %s, want %s", s, got, want)
		}
	}
}

func TestAppendStringNoEscapeHTMLIsEncoder(t *testing.T) {
	for _, s := range samples {
		if got, want := string(AppendStringNoEscapeHTML(nil, s)), encodeNoHTML(s); got != want {
			t.Errorf("AppendStringNoEscapeHTML(%q) = %s, want %s", s, got, want)
		}
	}
}

func TestAppendStringsIsMarshal(t *testing.T) {
	for _, ss := range [][]string{nil, {}, samples} {
		want, _ := json.Marshal(ss)
		if got := AppendStrings(nil, ss); string(got) != string(want) {
			t.Errorf("AppendStrings(%q) = %s, want %s", ss, got, want)
		}
	}
}

func TestAppendBytesIsMarshal(t *testing.T) {
	for _, data := range [][]byte{nil, {}, {0}, {0xff, 0xfe}, []byte("sealed bytes of any length")} {
		want, _ := json.Marshal(data)
		if got := AppendBytes([]byte("x"), data); string(got[1:]) != string(want) {
			t.Errorf("AppendBytes(%q) = %s, want %s", data, got[1:], want)
		}
	}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range samples {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := AppendString([]byte("x"), s); string(got[1:]) != string(want) {
			t.Fatalf("AppendString(%q) = %s, want %s", s, got[1:], want)
		}
		if got, want := AppendStringNoEscapeHTML([]byte("x"), s), encodeNoHTML(s); string(got[1:]) != want {
			t.Fatalf("AppendStringNoEscapeHTML(%q) = %s, want %s", s, got[1:], want)
		}
	})
}
