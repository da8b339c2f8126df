package tracing

import (
	"fmt"
	"strings"
	"testing"
)

func TestBoundTraceState(t *testing.T) {
	member := func(i, n int) string { return fmt.Sprintf("k%d=%s", i, strings.Repeat("v", n)) }
	short := []string{}
	for i := range 32 {
		short = append(short, member(i, 20))
	}
	fits := 0 // the most members from the front that fit
	for fits < len(short) && len(strings.Join(short[:fits+1], ",")) <= MaxTraceState {
		fits++
	}
	cases := map[string]string{
		"":             "",
		"a=1,b=2":      "a=1,b=2",
		member(0, 500): member(0, 500), // fits: as it is
		member(0, 600): "",
		member(0, 200) + "," + member(1, 10) + "," + member(2, 400): member(1, 10),                   // the long ones go first
		strings.Join(short, ","):                                    strings.Join(short[:fits], ","), // then from the end
	}
	for in, want := range cases {
		got := BoundTraceState(in)
		if got != want || len(got) > MaxTraceState {
			t.Errorf("BoundTraceState(%.40q… %d bytes) = %.60q… (%d bytes), want %.60q… (%d bytes)", in, len(in), got, len(got), want, len(want))
		}
	}
}
