package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
)

// request is one HTTP request a workload makes; want is the status that counts as success.
type request struct {
	Op     string // the kind of request, e.g. "create", "get", "get-expand"
	Method string
	Path   string // path and query, appended to the target's base URL
	Body   []byte
	Want   int
}

// requestSource makes a worker's next request. Each worker has its own source (no locking).
type requestSource func() request

// newHTTPClient returns a client keeping up to conc connections open to one host: one per
// worker, reused for every request (keep-alive), as a connection pool of a real client would.
func newHTTPClient(conc int) *http.Client {
	return &http.Client{
		Timeout: 60 * time.Second,
		Transport: &http.Transport{
			Proxy:               nil,
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConns:        conc + 16,
			MaxIdleConnsPerHost: conc + 16,
			MaxConnsPerHost:     conc + 16,
			IdleConnTimeout:     90 * time.Second,
			DisableCompression:  true,
		},
	}
}

// target is where requests go: a base URL and the headers every request carries.
type target struct {
	client *http.Client
	base   string
	token  string
	// randomCorrelation: every request carries its own random X-Correlation-ID (a UUIDv4).
	randomCorrelation bool
}

// do sends r and returns the status and the response body's size (the body is read and
// discarded, or returned when keep is set).
func (t *target) do(ctx context.Context, r request, keep bool) (status int, n int64, body []byte, err error) {
	var rd io.Reader
	if r.Body != nil {
		rd = bytes.NewReader(r.Body)
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, t.base+r.Path, rd)
	if err != nil {
		return 0, 0, nil, err
	}
	if t.token != "" {
		req.Header.Set("Authorization", "Bearer "+t.token)
	}
	if r.Body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if t.randomCorrelation {
		req.Header.Set("X-Correlation-ID", uuid.NewString())
	}
	resp, err := t.client.Do(req)
	if err != nil {
		return 0, 0, nil, err
	}
	defer resp.Body.Close()
	if keep {
		body, err = io.ReadAll(resp.Body)
		return resp.StatusCode, int64(len(body)), body, err
	}
	n, err = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, n, nil, err
}

// runStats is the outcome of driving one target at one concurrency.
type runStats struct {
	Requests   int                `json:"requests"`
	Seconds    float64            `json:"seconds"`
	Throughput float64            `json:"requestsPerSecond"`
	Latency    latencyStats       `json:"latency"`
	Ops        map[string]opStats `json:"ops"`
	Errors     map[string]int     `json:"errors,omitempty"` // by status ("transport" for no response)
	// AppendsPerCommit is the event log's group-commit size over the measurement (from ledgerd's
	// metrics; 0 when nothing was committed).
	AppendsPerCommit float64              `json:"appendsPerCommit,omitempty"`
	server           *procUse             // the measured process's CPU and memory over the run
	clientCPU        float64              // the harness's cores over the run
	served           int64                // calls answered as expected in all: warm-up, window and drain
	opLatency        map[string]latencies // kept for the ops' stats
	opBytes          map[string]*[2]int64 // request, response bytes per op
	firstError       map[string]string    // one example message per error kind
}

// opStats is one kind of request within a run.
type opStats struct {
	Count         int          `json:"count"`
	Latency       latencyStats `json:"latency"`
	RequestBytes  float64      `json:"meanRequestBytes"`
	ResponseBytes float64      `json:"meanResponseBytes"`
}

// errorCount returns the number of failed requests.
func (s runStats) errorCount() int {
	n := 0
	for _, c := range s.Errors {
		n += c
	}
	return n
}

// driveOptions say how long to drive: Requests (> 0) or Duration, after Warmup.
type driveOptions struct {
	Concurrency int
	Duration    time.Duration
	Requests    int
	Warmup      time.Duration
	// OnStart, when set, is called as the measurement window opens (after the warm-up, counting
	// already on); OnStop as it closes: at the deadline, before the calls then in flight have
	// returned (they are not counted), or after the last counted response with Requests. Read
	// CPU times there, so that they cover the window the counted requests were served in.
	OnStart func()
	OnStop  func()
}

// workerRecord is what one worker measured.
type workerRecord struct {
	served int64 // in all, counted or not
	lat    map[string]latencies
	bytes  map[string]*[2]int64
	errors map[string]int
	first  map[string]string
}

// outcome is one call's result: its kind, duration, bytes sent and received, and the error kind
// ("" for success) with an example message.
type outcome struct {
	Op                  string
	Took                time.Duration
	ReqBytes, RespBytes int64
	ErrKind, ErrMsg     string
}

// drive runs o.Concurrency workers, each sending its source's requests one after another to t,
// and measures every request after the warm-up. Building a request is not part of its latency.
func drive(ctx context.Context, t *target, o driveOptions, source func(worker int) requestSource) runStats {
	return driveCalls(ctx, o, func(w int) func() outcome {
		next := source(w)
		return func() outcome {
			r := next()
			t0 := time.Now()
			status, n, _, err := t.do(ctx, r, false)
			out := outcome{Op: r.Op, Took: time.Since(t0), ReqBytes: int64(len(r.Body)), RespBytes: n}
			switch {
			case err != nil:
				out.ErrKind, out.ErrMsg = "transport", err.Error()
			case status != r.Want:
				out.ErrKind, out.ErrMsg = strconv.Itoa(status), r.Method+" "+r.Path
			}
			return out
		}
	})
}

// driveCalls runs o.Concurrency workers, each making its source's calls one after another, for
// o.Requests calls or o.Duration after o.Warmup, and collects what the calls measured.
func driveCalls(ctx context.Context, o driveOptions, source func(worker int) func() outcome) runStats {
	var (
		recording atomic.Bool
		stop      atomic.Bool
		counted   atomic.Int64
		wg        sync.WaitGroup
	)
	records := make([]workerRecord, o.Concurrency)
	for w := 0; w < o.Concurrency; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			call := source(w)
			rec := workerRecord{lat: map[string]latencies{}, bytes: map[string]*[2]int64{}, errors: map[string]int{}, first: map[string]string{}}
			for !stop.Load() && ctx.Err() == nil {
				on := recording.Load()
				if on && o.Requests > 0 && counted.Add(1) > int64(o.Requests) {
					break
				}
				out := call()
				if out.ErrKind == "" {
					rec.served++
				}
				// A call counts when it returned inside the window: the calls that returned in it
				// are what the server's CPU time over it served. With Requests, only the calls
				// begun in it (the count is of those).
				if !recording.Load() || (o.Requests > 0 && !on) {
					continue // warm-up, or a call that ended after the measurement
				}
				if out.ErrKind != "" { // failed: counted apart, not as served
					rec.errors[out.ErrKind]++
					if _, ok := rec.first[out.ErrKind]; !ok {
						rec.first[out.ErrKind] = out.ErrMsg
					}
					continue
				}
				rec.lat[out.Op] = append(rec.lat[out.Op], out.Took)
				b := rec.bytes[out.Op]
				if b == nil {
					b = new([2]int64)
					rec.bytes[out.Op] = b
				}
				b[0] += out.ReqBytes
				b[1] += out.RespBytes
			}
			records[w] = rec
		}(w)
	}
	if o.Warmup > 0 {
		select {
		case <-time.After(o.Warmup):
		case <-ctx.Done():
		}
	}
	recording.Store(true)
	start := time.Now()
	if o.OnStart != nil {
		o.OnStart()
	}
	if o.Requests > 0 {
		wg.Wait() // until the last response
	} else {
		select {
		case <-time.After(o.Duration):
		case <-ctx.Done():
		}
		recording.Store(false)
		stop.Store(true)
	}
	elapsed := time.Since(start)
	if o.OnStop != nil {
		o.OnStop()
	}
	stop.Store(true)
	wg.Wait() // the calls in flight at the deadline, uncounted
	return merge(records, elapsed)
}

func merge(records []workerRecord, elapsed time.Duration) runStats {
	s := runStats{Seconds: elapsed.Seconds(), Ops: map[string]opStats{}, Errors: map[string]int{},
		opLatency: map[string]latencies{}, opBytes: map[string]*[2]int64{}, firstError: map[string]string{}}
	var all latencies
	for _, r := range records {
		for op, l := range r.lat {
			s.opLatency[op] = append(s.opLatency[op], l...)
			all = append(all, l...)
			b := s.opBytes[op]
			if b == nil {
				b = new([2]int64)
				s.opBytes[op] = b
			}
			b[0] += r.bytes[op][0]
			b[1] += r.bytes[op][1]
		}
		s.served += r.served
		for k, n := range r.errors {
			s.Errors[k] += n
		}
		for k, m := range r.first {
			s.firstError[k] = m
		}
	}
	s.Requests = len(all)
	if s.Seconds > 0 {
		s.Throughput = float64(s.Requests) / s.Seconds
	}
	s.Latency = all.stats()
	for op, l := range s.opLatency {
		b := s.opBytes[op]
		s.Ops[op] = opStats{Count: len(l), Latency: l.stats(), RequestBytes: float64(b[0]) / float64(len(l)), ResponseBytes: float64(b[1]) / float64(len(l))}
	}
	if len(s.Errors) == 0 {
		s.Errors = nil
	}
	return s
}
