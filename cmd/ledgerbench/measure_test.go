package main

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestFailedCallsAreNotServed: a call that failed (a wrong status, no response) is counted in
// Errors, not in the requests served, their throughput or their latencies: a fast 503 must not
// raise req/s nor lower the CPU per request (srvCPU ÷ req/s) or the percentiles.
func TestFailedCallsAreNotServed(t *testing.T) {
	var n atomic.Int64
	// One worker: the counted calls are consecutive, half of them failures whatever the start.
	st := driveCalls(context.Background(), driveOptions{Concurrency: 1, Requests: 40}, func(int) func() outcome {
		return func() outcome {
			if n.Add(1)%2 == 0 {
				return outcome{Op: "create", Took: time.Microsecond, ErrKind: "503", ErrMsg: "POST /x"}
			}
			return outcome{Op: "create", Took: time.Second, RespBytes: 100}
		}
	})
	if st.Requests+st.errorCount() != 40 {
		t.Fatalf("%d served + %d failed, want 40 calls in all", st.Requests, st.errorCount())
	}
	if st.Requests != 20 || st.Errors["503"] != 20 {
		t.Errorf("%d served, errors %v: want 20 served and 20 × 503", st.Requests, st.Errors)
	}
	if st.Ops["create"].Count != st.Requests || st.Latency.Count != st.Requests {
		t.Errorf("ops %+v, latency count %d: want the %d served only", st.Ops, st.Latency.Count, st.Requests)
	}
	if st.Latency.P50 != 1000 || st.Ops["create"].ResponseBytes != 100 {
		t.Errorf("p50 %.3f ms, mean response %.0f bytes: the failures' were mixed in", st.Latency.P50, st.Ops["create"].ResponseBytes)
	}
	if st.Seconds > 0 && st.Throughput != float64(st.Requests)/st.Seconds {
		t.Errorf("throughput %.1f, want served ÷ seconds", st.Throughput)
	}
}

// TestWindowEndsAtTheDeadline: the measurement window closes at the deadline, not when the
// calls in flight then have returned. OnStop (where the server's and the client's CPU are read)
// is called while a call is still in flight, and that call is not counted; a call in flight when
// the window opened that returns inside it is counted (requests completed in the window are
// what the window's CPU time served).
func TestWindowEndsAtTheDeadline(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	started2, stopped := make(chan struct{}), make(chan struct{})
	var calls, inFlight atomic.Int64
	var inFlightAtStop atomic.Bool
	// The warm-up is long enough for the first call to begin in it almost always (when it does
	// not, the test proves less but does not fail). The window closes when the second call has
	// begun (the context's end closes it as the deadline does), so the first one was accounted.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	o := driveOptions{Concurrency: 1, Duration: time.Hour, Warmup: 50 * time.Millisecond}
	o.OnStart = func() { <-started; close(release) }
	o.OnStop = func() {
		<-started2
		inFlightAtStop.Store(inFlight.Load() > 0)
		close(stopped)
	}
	st := driveCalls(ctx, o, func(int) func() outcome {
		return func() outcome {
			inFlight.Add(1)
			defer inFlight.Add(-1)
			switch calls.Add(1) {
			case 1: // begins in the warm-up, returns inside the window
				close(started)
				<-release
				return outcome{Op: "a", Took: time.Millisecond}
			case 2: // in flight at the deadline, returns after it
				close(started2)
				cancel()
				<-stopped
				return outcome{Op: "b", Took: time.Millisecond}
			}
			t.Error("a third call: the worker did not stop at the deadline")
			return outcome{Op: "c"}
		}
	})
	if !inFlightAtStop.Load() {
		t.Error("OnStop was called after the calls in flight returned: the drain is in the CPU window")
	}
	if st.Ops["a"].Count != 1 || st.Ops["b"].Count != 0 || st.Requests != 1 {
		t.Errorf("ops %+v: want the call completed in the window (a) only", st.Ops)
	}
}

// TestLevelPairsCPUWithItsRun: with --rounds, the level reports the median run's throughput
// and the CPU, client CPU and group size measured in that same run, not round 0's (which is
// also the profiled one with --profile): CPU per request is srvCPU ÷ req/s of one run.
func TestLevelPairsCPUWithItsRun(t *testing.T) {
	run := func(rps, cores, client, group float64) runStats {
		return runStats{Throughput: rps, AppendsPerCommit: group, server: &procUse{CPUCores: cores}, clientCPU: client}
	}
	var l level
	l.summarise(
		[]runStats{run(1000, 1.5, 0.5, 10), run(3000, 1.9, 0.9, 30), run(2000, 1.7, 0.7, 20)},
		[]runStats{run(9000, 0.9, 0, 0), run(7000, 0.7, 0, 0), run(8000, 0.8, 0, 0)})
	if l.Service.Throughput != 2000 || l.Server == nil || l.Server.CPUCores != 1.7 || l.ClientCPUCores != 0.7 || l.AppendsPerCommit != 20 {
		t.Errorf("service %.0f req/s with server %+v, client %.1f, group %.0f: want 2000 with 1.7, 0.7, 20 (one run)",
			l.Service.Throughput, l.Server, l.ClientCPUCores, l.AppendsPerCommit)
	}
	if l.Ceiling == nil || l.Ceiling.Throughput != 8000 || l.CeilingServer == nil || l.CeilingServer.CPUCores != 0.8 {
		t.Errorf("ceiling %+v with server %+v: want 8000 req/s with 0.8 cores", l.Ceiling, l.CeilingServer)
	}
	if l.Ratio != 0.25 || len(l.Rounds) != 6 {
		t.Errorf("ratio %.3f, rounds %v", l.Ratio, l.Rounds)
	}
}

// TestStoredPerRequestCountsEveryWrite: the events the NATS observer saw are every write from
// before the warm-up to after the drain, so the bytes stored per request (the disk ceiling's
// record size) divide them by every request served in that time, not by the window's alone.
func TestStoredPerRequestCountsEveryWrite(t *testing.T) {
	var served atomic.Int64
	o := driveOptions{Concurrency: 1, Requests: 10}
	st := driveCalls(context.Background(), o, func(int) func() outcome {
		return func() outcome { served.Add(1); return outcome{Op: "create", ReqBytes: 300} }
	})
	if st.served != served.Load() {
		t.Fatalf("%d calls served in all, runStats says %d", served.Load(), st.served)
	}
	st = runStats{Requests: 100, served: 110}
	if got := storedPerRequest(st, &lagStats{Events: 110, DataBytes: 400}); got != 400 {
		t.Errorf("%d bytes stored per request, want 400 (110 events of 400 bytes for 110 requests)", got)
	}
}

// TestRelayRateOverTheEventsTime: when the bus fell behind a write level, the relay's rate is
// the level's events over the time they took to arrive, from the first request (the warm-up's
// events are among them) to the last event, not over the window and the drain alone.
func TestRelayRateOverTheEventsTime(t *testing.T) {
	l := level{Service: runStats{Seconds: 10}, Lag: &lagStats{Events: 14000, DrainSec: 3, SpanSec: 14}}
	r := relayBacklogRate(l)
	if r == nil || r.Seconds != 14 || r.PerSecond != 1000 {
		t.Errorf("relay %+v, want 14000 events in 14 s = 1000/s", r)
	}
	l.Lag.DrainSec = 1 // it kept up: no backlog to measure
	if r := relayBacklogRate(l); r != nil {
		t.Errorf("relay %+v from a level the bus kept up with", r)
	}
	// Without the lag watcher (--nats-lag=false) the drain's figures come from the relay's
	// published position, and give the same rate.
	l = level{Service: runStats{Seconds: 10}, Drain: &drainStats{Events: 14000, DrainSec: 3, SpanSec: 14}}
	if r := relayBacklogRate(l); r == nil || r.Seconds != 14 || r.PerSecond != 1000 {
		t.Errorf("relay %+v without the lag watcher, want 14000 events in 14 s = 1000/s", r)
	}
}

// TestSummaryShowsTheHarnessCPU: the harness shares the machine's cores with ledgerd; the
// summary says how many it used in each level (not only results.json).
func TestSummaryShowsTheHarnessCPU(t *testing.T) {
	rep := &report{Levels: []level{{Workload: "create", Concurrency: 64, ClientCPUCores: 0.42, Server: &procUse{CPUCores: 1.31}}}}
	if s := summary(rep); !strings.Contains(s, "create c=64: 0.42") {
		t.Errorf("summary without the harness's CPU per level:\n%s", s)
	}
}
