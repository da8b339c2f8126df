package progress_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/nordledger/ledger/internal/progress"
)

func TestProgress(t *testing.T) {
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now := func() time.Time { return clock }
	tests := []struct {
		name string
		tty  bool
		want []string // substrings of the output, in order
	}{
		{"terminal", true, []string{"\rrebuild [==========>                   ]  33.3% 1000/3000 events, 500 events/s, 4s left\x1b[K",
			"\rrebuild [==============================] 100.0% 3000/3000 events, 750 events/s, 0s left\x1b[K\n"}},
		{"plain", false, []string{"rebuild: 3000 events\n", "rebuild: 33.3%, 1000/3000 events, 500 events/s, 4s left\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			var out bytes.Buffer
			p := progress.New(progress.Config{W: &out, Label: "rebuild", Total: 3000, Terminal: tt.tty, Now: now})
			p.Every = time.Second
			p.Update(10) // too soon: nothing
			clock = clock.Add(2 * time.Second)
			p.Update(1000)
			p.Update(1001) // too soon again
			clock = clock.Add(2 * time.Second)
			p.Finish(3000)
			got := out.String()
			rest := got
			for _, w := range tt.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("output %q lacks %q", got, w)
				}
				rest = rest[i+len(w):]
			}
			if strings.Contains(got, "1001") || strings.Contains(got, "10/") {
				t.Errorf("output %q shows an update that came too soon", got)
			}
		})
	}
}
