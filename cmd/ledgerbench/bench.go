package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// report is everything one invocation measured; results.json is its JSON.
type report struct {
	Command      string         `json:"command"`
	Started      time.Time      `json:"started"`
	Finished     time.Time      `json:"finished"`
	Machine      machine        `json:"machine"`
	Target       string         `json:"target"`
	DataDir      string         `json:"dataDir,omitempty"`
	Seed         *seedResult    `json:"seed,omitempty"`
	Rebuild      *rebuildResult `json:"rebuild,omitempty"`
	Startup      *startupInfo   `json:"startup,omitempty"`
	RelayCatchUp *catchUp       `json:"relayCatchUp,omitempty"`
	Bus          *busReport     `json:"bus,omitempty"`
	StopSeconds  float64        `json:"stopSeconds,omitempty"`
	Levels       []level        `json:"levels"`
	Scale        []scalePoint   `json:"scale,omitempty"`
	Notes        []string       `json:"notes,omitempty"`
}

// busReport compares the relay's publishing with the bus's ceiling on the same server.
type busReport struct {
	Ceiling busResult `json:"ceiling"`
	// Relay is the relay publishing a backlog (after a start on a seeded log, or after a write
	// measurement the bus could not keep up with), when there was one to measure.
	Relay   *catchUp `json:"relay,omitempty"`
	Ratio   float64  `json:"ratio,omitempty"`
	LoadAvg string   `json:"loadAvg"`
}

// level is one workload at one concurrency: the service, its ceiling, their ratio.
type level struct {
	Workload    string    `json:"workload"`
	Concurrency int       `json:"concurrency"`
	Customers   int       `json:"customers"` // in the ledger when measured (seeded)
	LoadAvg     [2]string `json:"loadAvg"`   // at the start and the end of the level
	Service     runStats  `json:"service"`
	CeilingKind string    `json:"ceilingKind,omitempty"` // log (http+log), disk or http
	Ceiling     *runStats `json:"ceiling,omitempty"`
	// Ratio is the service's throughput over the ceiling's; P99Ratio the ceiling's p99 over the
	// service's (1 is as fast as the ceiling, in both).
	Ratio          float64   `json:"ratio,omitempty"`
	P99Ratio       float64   `json:"p99Ratio,omitempty"`
	Server         *procUse  `json:"server,omitempty"`
	CeilingServer  *procUse  `json:"ceilingServer,omitempty"`
	ClientCPUCores float64   `json:"clientCpuCores"`
	Lag            *lagStats `json:"publishLag,omitempty"` // absent with --nats-lag=false
	// Drain is the drain after a write measurement with --nats-lag=false (with the lag watcher
	// its figures are in Lag).
	Drain       *drainStats `json:"drain,omitempty"`
	RecordBytes int         `json:"diskCeilingRecordBytes,omitempty"`
	// AppendsPerCommit is the event log's mean group-commit size during the service's
	// measurement; CeilingPerCommit the raw loop's.
	AppendsPerCommit float64   `json:"appendsPerCommit,omitempty"`
	CeilingPerCommit float64   `json:"ceilingPutsPerCommit,omitempty"`
	Rounds           []float64 `json:"roundThroughputs,omitempty"` // service, then ceiling, per round
	Profiles         []string  `json:"profiles,omitempty"`
}

// procUse is a process's CPU use over a measurement and its memory at the end.
type procUse struct {
	CPUCores float64 `json:"cpuCores"` // CPU seconds per second
	RSS      int64   `json:"rssBytes"`
	RSSAnon  int64   `json:"rssAnonBytes"`
	RSSFile  int64   `json:"rssFileBytes"`
}

func use(a, b procSample) *procUse {
	if !a.Readable || !b.Readable {
		return nil
	}
	wall := b.At.Sub(a.At).Seconds()
	return &procUse{CPUCores: (b.CPU - a.CPU).Seconds() / wall, RSS: b.RSS, RSSAnon: b.RSSAnon, RSSFile: b.RSSFile}
}

func newReport(cmd string) *report {
	return &report{Command: cmd, Started: time.Now().UTC(), Machine: machine{CPUs: numCPU(), CPUModel: cpuModel(), MemoryGB: memoryGiB(),
		Kernel: kernel(), Go: goVersion(), LoadAvg: loadAvg()}}
}

// runBench is the run command.
func runBench(ctx context.Context, cfg *config, stdout, stderr io.Writer) (err error) {
	rep := newReport(commandLine())
	rep.Notes = append(rep.Notes, lagNotes(cfg)...)
	out, err := outDir(cfg)
	if err != nil {
		return err
	}
	s, err := newSession(cfg, stderr)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := s.close(); err == nil {
			err = cerr
		}
	}()
	if cfg.URL == "" {
		rep.Target, rep.DataDir = "ledgerd started by the harness", s.dataDir
		need := cfg.Seed
		if need == 0 && needsSeed(cfg) {
			need = 100 // patch, read and lookup need customers to work on
			rep.Notes = append(rep.Notes, "seed raised to 100 customers: the workloads need customers to read and change")
		}
		if rep.Seed, rep.Rebuild, err = s.seedTo(ctx, need); err != nil {
			return err
		}
		if rep.Startup, rep.RelayCatchUp, err = s.start(ctx); err != nil {
			return err
		}
	} else {
		rep.Target = cfg.URL
		if rep.Seed, err = s.attach(ctx); err != nil {
			return err
		}
		if s.pop.Seeded == 0 && needsSeed(cfg) {
			return fmt.Errorf("the patch, read, mixed and lookup workloads need customers: give --seed")
		}
	}
	if cfg.has("bus") {
		if rep.Bus, err = measureBus(ctx, s, rep.RelayCatchUp); err != nil {
			return err
		}
	}
	mini, err := startCeilingServer(ctx, s)
	if err != nil {
		return err
	}
	defer mini.stop()
	fmt.Fprintln(stdout, tableHeader())
	for _, name := range cfg.Workloads {
		w, _ := workloadNamed(name)
		for _, conc := range cfg.Concurrency {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			l, err := measure(ctx, s, mini, w, conc, out)
			if err != nil {
				return err
			}
			rep.Levels = append(rep.Levels, l)
			fmt.Fprintln(stdout, tableRow(l))
			if r := relayBacklogRate(l); r != nil && rep.Bus != nil {
				if rep.Bus.Relay == nil || r.Events > rep.Bus.Relay.Events {
					rep.Bus.Relay, rep.Bus.Ratio = r, r.PerSecond/rep.Bus.Ceiling.PerSecond
				}
			}
		}
	}
	if cfg.URL == "" {
		d, err := s.stop()
		if err != nil {
			return err
		}
		rep.StopSeconds = d.Seconds()
	}
	rep.Finished = time.Now().UTC()
	return writeOutputs(out, rep, stdout)
}

// relayBacklogRate is the relay's saturated rate when the bus fell behind level l's writes (nil
// when it kept up): the level's events over the time from its first request to its last event
// (received by the lag watcher, or published by the relay without it).
func relayBacklogRate(l level) *catchUp {
	d := l.Drain
	if l.Lag != nil {
		d = &drainStats{Events: l.Lag.Events, Missing: l.Lag.Missing, DrainSec: l.Lag.DrainSec, SpanSec: l.Lag.SpanSec}
	}
	if d == nil || d.Missing != 0 || d.DrainSec <= 2 || d.Events <= 5000 {
		return nil
	}
	return &catchUp{Events: uint64(d.Events), Seconds: d.SpanSec, PerSecond: float64(d.Events) / d.SpanSec}
}

// lagNotes says, with --nats-lag=false, what is not measured.
func lagNotes(cfg *config) []string {
	if cfg.NATSLag {
		return nil
	}
	n := []string{"--nats-lag=false: no NATS subscriber on the ledger's events, no publish lag; the drain after writes polled the relay's published position"}
	if cfg.has("disk") {
		n = append(n, "--nats-lag=false: the disk ceiling's records are the size of the request bodies (the events' data was not seen)")
	}
	return n
}

func needsSeed(cfg *config) bool {
	for _, name := range cfg.Workloads {
		if w, _ := workloadNamed(name); w.needsSeed() {
			return true
		}
	}
	return false
}

// measureBus measures the bus's ceiling and sets the relay's catch-up against it.
func measureBus(ctx context.Context, s *session, relay *catchUp) (*busReport, error) {
	if _, err := s.waitPublished(ctx); err != nil {
		return nil, err
	}
	b := &busReport{LoadAvg: loadAvg()}
	var err error
	if b.Ceiling, err = busCeiling(ctx, s.natsURL, s.cfg.BusMessages); err != nil {
		return nil, fmt.Errorf("bus ceiling: %w", err)
	}
	if relay != nil {
		b.Relay, b.Ratio = relay, relay.PerSecond/b.Ceiling.PerSecond
	}
	return b, nil
}

// measure runs one workload at one concurrency against the service and its ceiling, alternating
// for cfg.Rounds rounds, and returns the medians.
func measure(ctx context.Context, s *session, mini *minimalServer, w workload, conc int, out string) (level, error) {
	cfg := s.cfg
	l := level{Workload: w.Name, Concurrency: conc, Customers: s.pop.Seeded, LoadAvg: [2]string{loadAvg(), ""}}
	ceiling := ""
	for _, k := range w.Ceilings {
		if cfg.has(k) {
			ceiling = k
			break
		}
	}
	l.CeilingKind = ceiling
	var svcRuns, ceilRuns []runStats
	var sizes map[string]int
	recordSize := 0
	for r := 0; r < cfg.Rounds; r++ {
		salt := conc*1000 + r
		service := func() error {
			st, use, cpu, lag, drained, profiles, err := runService(ctx, s, w, conc, salt, r == 0 && cfg.Profile, out)
			if err != nil {
				return err
			}
			st.server, st.clientCPU = use, cpu
			svcRuns = append(svcRuns, st)
			if r == 0 {
				l.Lag, l.Drain, l.Profiles = lag, drained, profiles
				sizes = map[string]int{}
				for op, o := range st.Ops {
					sizes[op] = int(o.ResponseBytes + 0.5)
				}
				recordSize = storedPerRequest(st, lag)
				l.RecordBytes = recordSize
			}
			return nil
		}
		ceil := func() error {
			var st runStats
			o := driveOptions{Concurrency: conc, Duration: cfg.Duration, Requests: cfg.Requests, Warmup: cfg.Warmup}
			switch ceiling {
			case "http", "log":
				route := "/minimal"
				if ceiling == "log" {
					route = "/log"
				}
				t := &target{client: newHTTPClient(conc), base: mini.base, token: s.svc.token}
				var a, b procSample
				var c0, p0 int64
				o.OnStart = func() { a = readProc(mini.pid()); c0, p0 = mini.logStats() }
				o.OnStop = func() { b = readProc(mini.pid()) }
				st = drive(ctx, t, o, func(wk int) requestSource { return ceilingSource(w.source(s.pop, wk, salt), route, sizes) })
				t.client.CloseIdleConnections()
				st.server = use(a, b)
				if r == 0 {
					if c1, p1 := mini.logStats(); ceiling == "log" && c1 > c0 {
						l.CeilingPerCommit = float64(p1-p0) / float64(c1-c0)
					}
				}
			case "disk":
				var err error
				var perCommit float64
				if st, perCommit, err = diskCeiling(ctx, s.scratch, o, recordSize); err != nil {
					return err
				}
				if r == 0 {
					l.CeilingPerCommit = perCommit
				}
			default:
				return nil
			}
			ceilRuns = append(ceilRuns, st)
			return nil
		}
		first, second := service, ceil
		if r%2 == 1 {
			first, second = ceil, service
		}
		if err := first(); err != nil {
			return l, err
		}
		if err := second(); err != nil {
			return l, err
		}
	}
	l.summarise(svcRuns, ceilRuns)
	l.LoadAvg[1] = loadAvg()
	return l, nil
}

// summarise sets the level's figures from its rounds: the median runs of the service and the
// ceiling, and their ratios.
func (l *level) summarise(svcRuns, ceilRuns []runStats) {
	for i := range svcRuns {
		l.Rounds = append(l.Rounds, svcRuns[i].Throughput)
		if i < len(ceilRuns) {
			l.Rounds = append(l.Rounds, ceilRuns[i].Throughput)
		}
	}
	l.Service = medianRun(svcRuns)
	// the CPU of the run whose throughput is reported, so that srvCPU ÷ req/s is one run's
	l.Server, l.ClientCPUCores, l.AppendsPerCommit = l.Service.server, l.Service.clientCPU, l.Service.AppendsPerCommit
	if len(ceilRuns) > 0 {
		c := medianRun(ceilRuns)
		l.Ceiling, l.CeilingServer = &c, c.server
		if c.Throughput > 0 {
			l.Ratio = l.Service.Throughput / c.Throughput
		}
		if l.Service.Latency.P99 > 0 {
			l.P99Ratio = c.Latency.P99 / l.Service.Latency.P99
		}
	}
}

// storedPerRequest is what the service stored per request: the event data published per request
// (from the NATS observer: every event from before the warm-up to after the drain, so per
// request served in that time), else (no observer: --nats-lag=false) the request body.
func storedPerRequest(st runStats, lag *lagStats) int {
	if lag != nil && lag.Events > 0 && st.served > 0 {
		return int(lag.DataBytes*float64(lag.Events)/float64(st.served) + 0.5)
	}
	var n, bytes float64
	for _, o := range st.Ops {
		n += float64(o.Count)
		bytes += o.RequestBytes * float64(o.Count)
	}
	if n == 0 {
		return 400
	}
	return int(bytes/n + 0.5)
}

// runService measures the service once. After a run that wrote, it waits for the run's events on
// NATS (--drain-timeout) and returns their publish lag, or without the lag watcher the drain.
func runService(ctx context.Context, s *session, w workload, conc, salt int, profile bool, out string) (runStats, *procUse, float64, *lagStats, *drainStats, []string, error) {
	cfg := s.cfg
	if _, err := s.waitPublished(ctx); err != nil { // no backlog from before
		return runStats{}, nil, 0, nil, nil, nil, err
	}
	head0, err := s.head(ctx)
	if err != nil {
		return runStats{}, nil, 0, nil, nil, nil, err
	}
	began := time.Now()
	if s.lag != nil {
		s.lag.begin(head0)
	}
	m0, _ := scrapeMetrics(ctx, s.metrics, s.base)
	t := &target{client: newHTTPClient(conc), base: s.base, token: s.svc.token, randomCorrelation: cfg.CorrelationIDs == "random"}
	defer t.client.CloseIdleConnections()
	var a, b procSample
	var c0, c1 time.Duration
	o := driveOptions{Concurrency: conc, Duration: cfg.Duration, Requests: cfg.Requests, Warmup: cfg.Warmup}
	var profiles []string
	profDone := make(chan struct{})
	o.OnStart = func() {
		a, c0 = readProc(s.pid), selfCPU()
		if profile && s.child != nil && s.child.pprofURL != "" {
			go func() {
				defer close(profDone)
				profiles = fetchProfiles(ctx, s.child.pprofURL, filepath.Join(out, "profiles"), fmt.Sprintf("%s-c%d", w.Name, conc), cfg.Duration)
			}()
		} else {
			close(profDone)
		}
	}
	o.OnStop = func() { b, c1 = readProc(s.pid), selfCPU() } // the window's end, not the drain's
	st := drive(ctx, t, o, func(wk int) requestSource { return w.source(s.pop, wk, salt) })
	m1, _ := scrapeMetrics(ctx, s.metrics, s.base)
	if n := m1["ledgerd_log_commits_total"] - m0["ledgerd_log_commits_total"]; n > 0 {
		st.AppendsPerCommit = (m1["ledgerd_log_appends_total"] - m0["ledgerd_log_appends_total"]) / n
	}
	<-profDone
	head1, err := s.head(ctx)
	if err != nil {
		return st, nil, 0, nil, nil, nil, err
	}
	var lag *lagStats
	var drained *drainStats
	switch {
	case s.lag == nil && head1 > head0:
		d, err := s.drain(ctx, head0, head1, began, cfg.DrainTimeout)
		if err != nil {
			return st, nil, 0, nil, nil, nil, err
		}
		drained = &d
	case s.lag == nil:
	case head1 > head0:
		_, d := s.lag.waitFor(ctx, head1, cfg.DrainTimeout)
		ls := s.lag.end(head1, d)
		lag = &ls
	default:
		s.lag.end(head1, 0)
	}
	clientCPU := (c1 - c0).Seconds() / b.At.Sub(a.At).Seconds()
	return st, use(a, b), clientCPU, lag, drained, profiles, nil
}

// fetchProfiles saves ledgerd's CPU profile and its allocation, block and mutex profiles (deltas
// over the same window) while a measurement runs.
func fetchProfiles(ctx context.Context, base, dir, name string, d time.Duration) []string {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil
	}
	secs := max(int(d.Seconds()), 1)
	var files []string
	kinds := map[string]string{"profile": "cpu", "allocs": "allocs", "block": "block", "mutex": "mutex"}
	done := make(chan string, len(kinds))
	for kind, suffix := range kinds {
		go func(kind string) {
			path := filepath.Join(dir, name+"."+suffix+".pprof")
			client := &http.Client{Timeout: d + time.Minute}
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/debug/pprof/%s?seconds=%d", base, kind, secs), nil)
			resp, err := client.Do(req)
			if err != nil {
				done <- ""
				return
			}
			defer resp.Body.Close()
			f, err := os.Create(path)
			if err != nil {
				done <- ""
				return
			}
			_, err = io.Copy(f, resp.Body)
			f.Close()
			if err != nil || resp.StatusCode != http.StatusOK {
				done <- ""
				return
			}
			done <- path
		}(kind)
	}
	for range kinds {
		if p := <-done; p != "" {
			files = append(files, p)
		}
	}
	slices.Sort(files)
	return files
}

// medianRun returns the run with the median throughput.
func medianRun(runs []runStats) runStats {
	if len(runs) == 0 {
		return runStats{}
	}
	sorted := slices.Clone(runs)
	slices.SortFunc(sorted, func(a, b runStats) int {
		switch {
		case a.Throughput < b.Throughput:
			return -1
		case a.Throughput > b.Throughput:
			return 1
		}
		return 0
	})
	return sorted[(len(sorted)-1)/2]
}

// outDir creates the output directory.
func outDir(cfg *config) (string, error) {
	out := cfg.Out
	if out == "" {
		out = filepath.Join("bench-results", time.Now().Format("20060102-150405"))
	}
	return out, os.MkdirAll(out, 0o755)
}

func commandLine() string {
	s := "ledgerbench"
	for _, a := range os.Args[1:] {
		s += " " + a
	}
	return s
}
