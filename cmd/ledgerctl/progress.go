package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// progress shows a long operation's advance on stderr: on a terminal a bar redrawn in place
// (percentage, events/s, time left); otherwise, as for a log file, a plain line every few seconds.
type progress struct {
	w      io.Writer
	tty    bool
	label  string
	total  uint64
	now    func() time.Time
	start  time.Time
	last   time.Time // of the last output
	every  time.Duration
	drawn  bool // a bar is on the current line
	silent bool
}

// Intervals between outputs.
const (
	barEvery  = 100 * time.Millisecond
	lineEvery = 5 * time.Second
)

func newProgress(e *env, label string, total uint64) *progress {
	p := &progress{w: e.stderr, tty: e.terminal(), label: label, total: total, now: e.now}
	p.start = p.now()
	p.every = lineEvery
	if p.tty {
		p.every = barEvery
	} else {
		fmt.Fprintf(p.w, "%s: %s\n", label, quantity(total, "event", "events"))
	}
	p.last = p.start
	return p
}

// terminal reports whether stderr is a terminal that can redraw a line.
func (e *env) terminal() bool {
	f, ok := e.stderr.(*os.File)
	if !ok || e.getenv("TERM") == "dumb" {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// update shows that done events of total are through, at most once per interval.
func (p *progress) update(done uint64) {
	now := p.now()
	if now.Sub(p.last) < p.every {
		return
	}
	p.last = now
	if p.tty {
		fmt.Fprintf(p.w, "\r%s\x1b[K", p.bar(done, now))
		p.drawn = true
		return
	}
	fmt.Fprintln(p.w, p.line(done, now))
}

// finish ends the display: a terminal's bar is drawn complete and the line ended.
func (p *progress) finish(done uint64) {
	if p.tty {
		fmt.Fprintf(p.w, "\r%s\x1b[K\n", p.bar(done, p.now()))
	}
}

// rate returns events per second since the start and the time left at that rate.
func (p *progress) rate(done uint64, now time.Time) (perSecond float64, left time.Duration, known bool) {
	elapsed := now.Sub(p.start).Seconds()
	if elapsed <= 0 || done == 0 {
		return 0, 0, false
	}
	perSecond = float64(done) / elapsed
	if done >= p.total {
		return perSecond, 0, true
	}
	return perSecond, time.Duration(float64(p.total-done) / perSecond * float64(time.Second)), true
}

func (p *progress) percent(done uint64) float64 {
	if p.total == 0 {
		return 100
	}
	return 100 * float64(min(done, p.total)) / float64(p.total)
}

func (p *progress) stats(done uint64, now time.Time) string {
	perSecond, left, known := p.rate(done, now)
	if !known {
		return fmt.Sprintf("%d/%d events", done, p.total)
	}
	return fmt.Sprintf("%d/%d events, %.0f events/s, %s left", done, p.total, perSecond, left.Round(time.Second))
}

const barWidth = 30

// bar renders "label [=====>     ]  45.0% 45000/100000 events, 52310 events/s, 1s left".
func (p *progress) bar(done uint64, now time.Time) string {
	pct := p.percent(done)
	full := int(pct / 100 * barWidth)
	b := strings.Repeat("=", full)
	if full < barWidth {
		b += ">" + strings.Repeat(" ", barWidth-full-1)
	}
	return fmt.Sprintf("%s [%s] %5.1f%% %s", p.label, b, pct, p.stats(done, now))
}

// line renders "label: 45.0%, 45000/100000 events, 52310 events/s, 1s left".
func (p *progress) line(done uint64, now time.Time) string {
	return fmt.Sprintf("%s: %.1f%%, %s", p.label, p.percent(done), p.stats(done, now))
}
