package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// progress shows a long step's advance on stderr: a bar redrawn in place on a terminal, a line
// every 5 seconds otherwise (a log file). Safe for concurrent use.
type progress struct {
	mu    sync.Mutex
	w     io.Writer
	tty   bool
	label string
	unit  string
	total int64
	start time.Time
	last  time.Time
	every time.Duration
	quiet bool
}

func newProgress(w io.Writer, label, unit string, total int64) *progress {
	p := &progress{w: w, label: label, unit: unit, total: total, start: time.Now(), every: 5 * time.Second}
	if f, ok := w.(*os.File); ok && os.Getenv("TERM") != "dumb" {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			p.tty, p.every = true, 200*time.Millisecond
		}
	}
	p.last = p.start
	return p
}

// update shows that done of total are through (at most once per interval).
func (p *progress) update(done int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if p.quiet || now.Sub(p.last) < p.every {
		return
	}
	p.last = now
	if p.tty {
		fmt.Fprintf(p.w, "\r%s\x1b[K", p.render(done, now))
	} else {
		fmt.Fprintln(p.w, p.render(done, now))
	}
}

// finish draws the final state and ends the line.
func (p *progress) finish(done int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.quiet {
		return
	}
	if p.tty {
		fmt.Fprintf(p.w, "\r%s\x1b[K\n", p.render(done, time.Now()))
	} else {
		fmt.Fprintln(p.w, p.render(done, time.Now()))
	}
}

func (p *progress) render(done int64, now time.Time) string {
	elapsed := now.Sub(p.start).Seconds()
	rate := 0.0
	if elapsed > 0 {
		rate = float64(done) / elapsed
	}
	pct := 100.0
	if p.total > 0 {
		pct = 100 * float64(min(done, p.total)) / float64(p.total)
	}
	left := ""
	if rate > 0 && done < p.total {
		left = fmt.Sprintf(", %s left", (time.Duration(float64(p.total-done)/rate) * time.Second).Round(time.Second))
	}
	const width = 30
	full := int(pct / 100 * width)
	bar := strings.Repeat("=", full)
	if full < width {
		bar += ">" + strings.Repeat(" ", width-full-1)
	}
	return fmt.Sprintf("%s [%s] %5.1f%% %d/%d %s, %.0f %s/s%s", p.label, bar, pct, done, p.total, p.unit, rate, p.unit, left)
}
