package relay_test

import (
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"
)

// lagRecorder keeps, per log position, when its append was acknowledged and when each observer
// first received it (nanoseconds since start; 0: not yet). Positions are 1-based.
type lagRecorder struct {
	start time.Time
	ack   []atomic.Int64
	recv  [][]atomic.Int64 // by observer
	got   []atomic.Int64   // positions received, by observer
}

func newLagRecorder(capacity, observers int) *lagRecorder {
	r := &lagRecorder{start: time.Now(), ack: make([]atomic.Int64, capacity+1),
		recv: make([][]atomic.Int64, observers), got: make([]atomic.Int64, observers)}
	for i := range r.recv {
		r.recv[i] = make([]atomic.Int64, capacity+1)
	}
	return r
}

func (r *lagRecorder) now() int64 { return max(1, int64(time.Since(r.start))) }

func (r *lagRecorder) acked(pos uint64) { r.ack[pos].Store(r.now()) }

// received records observer o's first receipt of pos; later duplicates are ignored.
func (r *lagRecorder) received(o int, pos uint64) {
	if pos == 0 || pos >= uint64(len(r.ack)) {
		return
	}
	if r.recv[o][pos].CompareAndSwap(0, r.now()) {
		r.got[o].Add(1)
	}
}

// lagStats summarizes the lags of one observer over positions 1..n. A position not received by
// the end (at time end) counts with lag end - ack: a lower bound.
type lagStats struct {
	n, missing, early int
	all               quantiles
	windows           []quantiles // by append time, window long
	window            time.Duration
	// slope is the least-squares trend of lag against append time: lag gained per second of
	// run. A bus that keeps up has a slope near 0; one that does not, near rate/capacity - 1.
	slope float64
}

type quantiles struct {
	n                   int
	p50, p99, p999, max time.Duration
}

func quantilesOf(lags []time.Duration) quantiles {
	if len(lags) == 0 {
		return quantiles{}
	}
	slices.Sort(lags)
	at := func(q float64) time.Duration { return lags[min(len(lags)-1, int(q*float64(len(lags))))] }
	return quantiles{n: len(lags), p50: at(0.50), p99: at(0.99), p999: at(0.999), max: lags[len(lags)-1]}
}

func (r *lagRecorder) stats(o int, n uint64, end time.Duration, window time.Duration) lagStats {
	st := lagStats{n: int(n), window: window}
	all := make([]time.Duration, 0, n)
	var byWindow [][]time.Duration
	var sx, sy, sxx, sxy float64 // seconds
	for pos := uint64(1); pos <= n; pos++ {
		ack := time.Duration(r.ack[pos].Load())
		recv := time.Duration(r.recv[o][pos].Load())
		if recv == 0 {
			st.missing++
			recv = end
		}
		lag := recv - ack
		if lag < 0 { // received before the appending goroutine took its clock reading
			st.early++
			lag = 0
		}
		all = append(all, lag)
		x, y := ack.Seconds(), lag.Seconds()
		sx, sy, sxx, sxy = sx+x, sy+y, sxx+x*x, sxy+x*y
		w := int(ack / window)
		for len(byWindow) <= w {
			byWindow = append(byWindow, nil)
		}
		byWindow[w] = append(byWindow[w], lag)
	}
	st.all = quantilesOf(all)
	if k := float64(len(all)); k > 1 && k*sxx-sx*sx > 0 {
		st.slope = (k*sxy - sx*sy) / (k*sxx - sx*sx)
	}
	for _, w := range byWindow {
		st.windows = append(st.windows, quantilesOf(w))
	}
	return st
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d)/float64(time.Millisecond)) }

func (q quantiles) String() string {
	return fmt.Sprintf("p50 %s · p99 %s · p99.9 %s · max %s ms (n=%d)", ms(q.p50), ms(q.p99), ms(q.p999), ms(q.max), q.n)
}

func (st lagStats) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "  all:   %s", st.all)
	if st.missing > 0 {
		fmt.Fprintf(&b, "; %d not received by the end, counted as lower bounds", st.missing)
	}
	if st.early > 0 {
		fmt.Fprintf(&b, "; %d received before the appender read its clock (counted as 0)", st.early)
	}
	fmt.Fprintf(&b, "\n  trend: %+.1f ms of lag per second of run", st.slope*1000)
	for i, w := range st.windows {
		fmt.Fprintf(&b, "\n  %3d–%3ds: %s", i*int(st.window.Seconds()), (i+1)*int(st.window.Seconds()), w)
	}
	return b.String()
}

// firstLast returns the p99 of the first and the last full window (the last window is partial
// when the run did not last a whole number of windows; it is then skipped).
func (st lagStats) firstLast(full int) (first, last quantiles) {
	if len(st.windows) == 0 {
		return
	}
	first = st.windows[0]
	last = st.windows[max(1, min(len(st.windows), full))-1]
	return first, last
}
