// Package progress shows a long operation's advance (a rebuild, a seed) on a terminal or in a
// log: on a terminal a bar redrawn in place (percentage, rate, time left); otherwise, as for a
// log file, a line when it starts and one every few seconds.
package progress

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// Intervals between outputs.
const (
	BarEvery  = 100 * time.Millisecond
	LineEvery = 5 * time.Second
)

// Config configures a Bar.
type Config struct {
	// W receives the output.
	W io.Writer
	// Label names the operation.
	Label string
	// Total is how many units the operation goes through.
	Total uint64
	// One and Many name a unit (default "event", "events").
	One, Many string
	// Terminal draws a bar redrawn in place (Terminal tells whether W is one).
	Terminal bool
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Bar is one operation's display. It is safe for concurrent use.
type Bar struct {
	mu    sync.Mutex
	cfg   Config
	start time.Time
	last  time.Time // of the last output
	// Every is the least time between two outputs (BarEvery on a terminal, else LineEvery).
	Every time.Duration
}

// New starts a display; without a terminal it writes the operation's first line.
func New(cfg Config) *Bar {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.One == "" {
		cfg.One, cfg.Many = "event", "events"
	}
	b := &Bar{cfg: cfg, start: cfg.Now(), Every: LineEvery}
	b.last = b.start
	if cfg.Terminal {
		b.Every = BarEvery
	} else {
		unit := cfg.Many
		if cfg.Total == 1 {
			unit = cfg.One
		}
		fmt.Fprintf(cfg.W, "%s: %d %s\n", cfg.Label, cfg.Total, unit)
	}
	return b
}

// Terminal reports whether w is a terminal that can redraw a line (getenv: TERM=dumb cannot).
func Terminal(w io.Writer, getenv func(string) string) bool {
	f, ok := w.(*os.File)
	if !ok || getenv("TERM") == "dumb" {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// Update shows that done units of the total are through, at most once per Every.
func (b *Bar) Update(done uint64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.cfg.Now()
	if now.Sub(b.last) < b.Every {
		return
	}
	b.last = now
	if b.cfg.Terminal {
		fmt.Fprintf(b.cfg.W, "\r%s\x1b[K", b.bar(done, now))
		return
	}
	fmt.Fprintln(b.cfg.W, b.line(done, now))
}

// Finish ends the display: a terminal's bar is drawn complete and its line ended.
func (b *Bar) Finish(done uint64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.cfg.Terminal {
		fmt.Fprintf(b.cfg.W, "\r%s\x1b[K\n", b.bar(done, b.cfg.Now()))
	}
}

// rate returns units per second since the start and the time left at that rate.
func (b *Bar) rate(done uint64, now time.Time) (perSecond float64, left time.Duration, known bool) {
	elapsed := now.Sub(b.start).Seconds()
	if elapsed <= 0 || done == 0 {
		return 0, 0, false
	}
	perSecond = float64(done) / elapsed
	if done >= b.cfg.Total {
		return perSecond, 0, true
	}
	return perSecond, time.Duration(float64(b.cfg.Total-done) / perSecond * float64(time.Second)), true
}

func (b *Bar) percent(done uint64) float64 {
	if b.cfg.Total == 0 {
		return 100
	}
	return 100 * float64(min(done, b.cfg.Total)) / float64(b.cfg.Total)
}

func (b *Bar) stats(done uint64, now time.Time) string {
	perSecond, left, known := b.rate(done, now)
	if !known {
		return fmt.Sprintf("%d/%d %s", done, b.cfg.Total, b.cfg.Many)
	}
	return fmt.Sprintf("%d/%d %s, %.0f %s/s, %s left", done, b.cfg.Total, b.cfg.Many, perSecond, b.cfg.Many, left.Round(time.Second))
}

const barWidth = 30

// bar renders "label [=====>     ]  45.0% 45000/100000 events, 52310 events/s, 1s left".
func (b *Bar) bar(done uint64, now time.Time) string {
	pct := b.percent(done)
	full := int(pct / 100 * barWidth)
	s := strings.Repeat("=", full)
	if full < barWidth {
		s += ">" + strings.Repeat(" ", barWidth-full-1)
	}
	return fmt.Sprintf("%s [%s] %5.1f%% %s", b.cfg.Label, s, pct, b.stats(done, now))
}

// line renders "label: 45.0%, 45000/100000 events, 52310 events/s, 1s left".
func (b *Bar) line(done uint64, now time.Time) string {
	return fmt.Sprintf("%s: %.1f%%, %s", b.cfg.Label, b.percent(done), b.stats(done, now))
}
