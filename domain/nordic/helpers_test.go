package nordic

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// today is the fixed "today" of all tests.
var today = time.Date(2026, time.June, 15, 12, 0, 0, 0, time.UTC)

func date(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }

// checkErr asserts that err carries the wanted reason ("" = no error) and that
// the message does not leak the input.
func checkErr(t *testing.T, input string, err error, want Reason) {
	t.Helper()
	if got := ReasonOf(err); got != want {
		t.Fatalf("reason: got %q, want %q (err %v)", got, want, err)
	}
	if err == nil {
		return
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error is %T, want *Error", err)
	}
	if e.Message == "" || e.Error() != e.Message {
		t.Fatalf("bad message %q", e.Message)
	}
	if in := strings.TrimSpace(input); len(in) >= 4 && strings.Contains(e.Message, in) {
		t.Fatalf("message %q leaks the input", e.Message)
	}
}
