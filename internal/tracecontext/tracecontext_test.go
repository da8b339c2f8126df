package tracecontext_test

import (
	"strings"
	"testing"

	"github.com/nordledger/ledger/internal/tracecontext"
)

func TestParse(t *testing.T) {
	const valid = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	tp, ok := tracecontext.Parse(valid)
	if !ok {
		t.Fatalf("Parse(%q) failed", valid)
	}
	if got := tp.String(); got != valid {
		t.Errorf("String() = %q, want %q", got, valid)
	}
	if tp.TraceIDString() != "4bf92f3577b34da6a3ce929d0e0e4736" || tp.SpanIDString() != "00f067aa0ba902b7" || tp.Flags != 1 {
		t.Errorf("parsed %+v", tp)
	}
	// A future version may append fields; it is read as version 00.
	if tp, ok := tracecontext.Parse("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-09-what-the-future-holds"); !ok || tp.String() != "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-09" {
		t.Errorf("future version: %v %v", tp, ok)
	}
	for _, bad := range []string{
		"",
		"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-",    // version 00 has no more fields
		"00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",     // upper case
		"00-00000000000000000000000000000000-00f067aa0ba902b7-01",     // zero trace id
		"00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",     // zero parent id
		"ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",     // forbidden version
		"00-4bf92f3577b34da6a3ce929d0e0e473-600f067aa0ba902b7-01",     // misplaced dash
		"00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",     // wrong separators
		"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g",     // bad flags
		"cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01.xyz", // future version without a dash
	} {
		if _, ok := tracecontext.Parse(bad); ok {
			t.Errorf("Parse(%q) accepted it", bad)
		}
	}
}

func TestNewAndChild(t *testing.T) {
	a, b := tracecontext.New(), tracecontext.New()
	if !a.Valid() || a.TraceID == b.TraceID || a.Flags != tracecontext.FlagSampled {
		t.Errorf("New: %v %v", a, b)
	}
	if _, ok := tracecontext.Parse(a.String()); !ok {
		t.Errorf("New().String() = %q does not parse", a)
	}
	c := a.Child()
	if c.TraceID != a.TraceID || c.ParentID == a.ParentID || c.Flags != a.Flags {
		t.Errorf("Child of %v = %v", a, c)
	}
}

func TestValidState(t *testing.T) {
	for s, want := range map[string]bool{
		"rojo=00f067aa0ba902b7":                    true,
		"rojo=00f067aa0ba902b7, congo=t61rcWkgMzE": true,
		"":                              false,
		"novalue":                       false,
		"k=v\x00":                       false,
		strings.Repeat("a=b,", 33):      false,
		"a=" + strings.Repeat("x", 600): false,
	} {
		if got := tracecontext.ValidState(s); got != want {
			t.Errorf("ValidState(%q) = %v, want %v", s, got, want)
		}
	}
}
