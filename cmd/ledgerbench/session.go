package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/nordledger/ledger/httpapi/auth"
	"github.com/nordledger/ledger/internal/datadir"
	"github.com/nordledger/ledger/internal/progress"
)

// session is the service under test and what the harness knows about it: the ledgerd it started
// (or the one at --url), its client, NATS observer and customers.
type session struct {
	cfg    *config
	stderr io.Writer

	tempRoot string // removed on close ("" when the data dir was given)
	dataDir  string // of the started ledgerd
	scratch  string // for the ceilings' log files: the data dir's file system
	bin      string
	binDir   string // a temporary directory holding bin, removed on close
	child    *child
	mark     marker

	base    string
	natsURL string
	pid     int
	svc     *target
	pop     *population
	lag     *lagWatcher // nil with --nats-lag=false
	metrics *http.Client
}

// startupInfo is a start of ledgerd on a seeded data directory.
type startupInfo struct {
	Customers  int     `json:"customers"`
	Events     uint64  `json:"events"`
	Seconds    float64 `json:"secondsToReady"`
	RSS        int64   `json:"rssBytes"`
	RSSAnon    int64   `json:"rssAnonBytes"`
	RSSFile    int64   `json:"rssFileBytes"`
	FullReplay bool    `json:"fullReplay"` // the log said a projection was built from the start
	// SecondsToPublished is the time from the start until NATS is up and holds the whole log
	// (ledgerd is ready before: its embedded NATS starts in the background), PublishedRSSAnon
	// the anonymous memory then.
	SecondsToPublished float64 `json:"secondsToPublished"`
	PublishedRSSAnon   int64   `json:"rssAnonBytesAtPublished"`
}

// catchUp is the relay publishing a backlog (the seeded events) after a start.
type catchUp struct {
	Events    uint64  `json:"events"`
	Seconds   float64 `json:"seconds"`
	PerSecond float64 `json:"eventsPerSecond"`
}

func newSession(cfg *config, stderr io.Writer) (*session, error) {
	s := &session{cfg: cfg, stderr: stderr, metrics: &http.Client{Timeout: 10 * time.Second}}
	s.pop = newPopulation(cfg)
	if cfg.URL != "" {
		if cfg.CustomerNumbers == "" {
			cfg.CustomerNumbers = sequentialNumbers
		}
		s.pop.Numbers = cfg.CustomerNumbers
		s.scratch = os.TempDir()
		return s, nil
	}
	if cfg.DataDir == "" {
		root, err := os.MkdirTemp("", "ledgerbench-")
		if err != nil {
			return nil, err
		}
		s.tempRoot, s.dataDir = root, filepath.Join(root, "data")
	} else {
		s.dataDir = cfg.DataDir
	}
	if err := os.MkdirAll(s.dataDir, 0o700); err != nil {
		return nil, err
	}
	s.scratch = filepath.Dir(filepath.Clean(s.dataDir))
	m, ok, err := readMarker(s.dataDir)
	if err != nil {
		return nil, err
	}
	if !ok {
		if fileSize(filepath.Join(s.dataDir, datadir.Events)) > 0 {
			return nil, fmt.Errorf("%s holds an event log the harness did not make (no %s): use an empty or a ledgerbench data directory", s.dataDir, markerFile)
		}
		m = marker{Ledger: cfg.Ledger, Numbers: cfg.CustomerNumbers}
	}
	if m.Ledger != cfg.Ledger {
		return nil, fmt.Errorf("%s was seeded for ledger %s, not %s", s.dataDir, m.Ledger, cfg.Ledger)
	}
	if m.Numbers == "" {
		m.Numbers = sequentialNumbers // a new data directory without --customer-numbers, or one made before it
	}
	if cfg.CustomerNumbers == "" {
		cfg.CustomerNumbers = m.Numbers
	}
	if m.Numbers != cfg.CustomerNumbers {
		return nil, fmt.Errorf("%s holds customers with %s numbers, not %s (--customer-numbers)", s.dataDir, m.Numbers, cfg.CustomerNumbers)
	}
	s.pop.Numbers = cfg.CustomerNumbers
	s.mark = m
	return s, nil
}

// seedTo grows the started ledgerd's data directory to n customers (ledgerd stopped) and, when it
// added any or the read models are missing, rebuilds them offline. It returns the seed and the
// rebuild (nil when nothing was done).
func (s *session) seedTo(ctx context.Context, n int) (*seedResult, *rebuildResult, error) {
	var sr *seedResult
	if n > s.mark.Customers {
		r, err := seedOffline(ctx, s.dataDir, s.cfg.Ledger, s.cfg.CustomerNumbers, s.mark.Customers, n, s.cfg.SeedConcurrency, s.stderr)
		if err != nil {
			return nil, nil, err
		}
		s.mark.Customers = n
		if err := writeMarker(s.dataDir, s.mark); err != nil {
			return nil, nil, err
		}
		sr = &r
	}
	if sr == nil && fileSize(filepath.Join(s.dataDir, datadir.Projections)) > 0 {
		return nil, nil, nil
	}
	if fileSize(filepath.Join(s.dataDir, datadir.Events)) == 0 {
		return sr, nil, nil // nothing to rebuild: ledgerd creates the files
	}
	rr, err := rebuildOffline(ctx, s.dataDir, "all", s.stderr, "", "")
	if err != nil {
		return sr, nil, err
	}
	return sr, &rr, nil
}

// start starts ledgerd on the data directory and waits until it is ready and the relay has
// published the log.
func (s *session) start(ctx context.Context) (*startupInfo, *catchUp, error) {
	if s.bin == "" {
		if s.cfg.Ledgerd != "" {
			s.bin = s.cfg.Ledgerd
		} else {
			dir := s.tempRoot
			if dir == "" {
				var err error
				if dir, err = os.MkdirTemp("", "ledgerbench-bin-"); err != nil {
					return nil, nil, err
				}
				s.binDir = dir
			}
			fmt.Fprintln(s.stderr, "building ledgerd ...")
			bin, err := buildLedgerd(ctx, dir)
			if err != nil {
				return nil, nil, err
			}
			s.bin = bin
		}
	}
	secret, _, err := datadir.EnsureSecret(filepath.Join(s.dataDir, datadir.JWTSecret))
	if err != nil {
		return nil, nil, err
	}
	token, err := auth.MintHS256(secret, auth.Claims{Subject: "ledgerbench", Ledgers: []string{s.cfg.Ledger}, Scopes: auth.AllScopes, TTL: 24 * time.Hour}, time.Now())
	if err != nil {
		return nil, nil, err
	}
	logPath := filepath.Join(s.dataDir, "ledgerd.log")
	offset := fileSize(logPath)
	fmt.Fprintln(s.stderr, "starting ledgerd ...")
	var bar *progress.Bar
	var lastHead uint64
	s.child, err = startChild(ctx, childOptions{Bin: s.bin, DataDir: s.dataDir, LogPath: logPath, Pprof: s.cfg.Profile, Extra: strings.Fields(s.cfg.LedgerdArgs),
		ReadyTimeout: s.cfg.ReadyTimeout, Progress: func(pos, head uint64) {
			if bar == nil {
				bar = newProgress(s.stderr, "ledgerd building its read models", "events", int64(head))
			}
			lastHead = head
			bar.Update(pos)
		}})
	if err != nil {
		return nil, nil, err
	}
	if bar != nil {
		bar.Finish(lastHead)
	}
	after := readProc(s.child.pid())
	s.base, s.natsURL, s.pid = s.child.base, s.child.natsURL, s.child.pid()
	s.svc = &target{client: newHTTPClient(64), base: s.base, token: token}
	m, err := scrapeMetrics(ctx, s.metrics, s.base)
	if err != nil {
		return nil, nil, err
	}
	info := &startupInfo{Customers: s.mark.Customers, Events: uint64(m["ledgerd_log_head_position"]), Seconds: s.child.readyIn.Seconds(),
		RSS: after.RSS, RSSAnon: after.RSSAnon, RSSFile: after.RSSFile, FullReplay: replayedFromStart(logPath, offset)}
	s.pop.Seeded = s.mark.Customers
	from := createBase + s.mark.Created
	if s.cfg.CreateFrom >= 0 {
		from = s.cfg.CreateFrom
	}
	s.pop.next.Store(int64(from))
	waitFrom := time.Now()
	cu, err := s.waitPublished(ctx)
	if err != nil {
		return info, nil, err
	}
	published := readProc(s.child.pid())
	info.SecondsToPublished = info.Seconds + time.Since(waitFrom).Seconds()
	info.PublishedRSSAnon = published.RSSAnon
	if !s.cfg.NATSLag {
		return info, cu, nil
	}
	if s.lag, err = newLagWatcher(s.natsURL); err != nil {
		return info, cu, err
	}
	return info, cu, nil
}

// attach connects to the ledgerd at --url and seeds it through the API.
func (s *session) attach(ctx context.Context) (*seedResult, error) {
	s.base, s.natsURL, s.pid = strings.TrimRight(s.cfg.URL, "/"), s.cfg.NATSURL, s.cfg.PID
	token := s.cfg.Token
	if token == "" {
		secret := []byte(strings.TrimSpace(os.Getenv("LEDGERD_JWT_SECRET")))
		if len(secret) == 0 {
			b, err := os.ReadFile(s.cfg.SecretFile)
			if err != nil {
				return nil, fmt.Errorf("no token: give --token or $LEDGERBENCH_TOKEN, or a secret ($LEDGERD_JWT_SECRET, --secret-file): %w", err)
			}
			secret = []byte(strings.TrimSpace(string(b)))
		}
		var err error
		if token, err = auth.MintHS256(secret, auth.Claims{Subject: "ledgerbench", Ledgers: []string{s.cfg.Ledger}, Scopes: auth.AllScopes, TTL: 24 * time.Hour}, time.Now()); err != nil {
			return nil, err
		}
	}
	s.svc = &target{client: newHTTPClient(s.cfg.SeedConcurrency), base: s.base, token: token}
	var sr *seedResult
	if s.cfg.Seed > 0 {
		r, err := seedAPI(ctx, s.svc, s.pop, 0, s.cfg.Seed, s.cfg.SeedConcurrency, s.stderr)
		if err != nil {
			return &r, err
		}
		sr = &r
	}
	s.pop.Seeded = s.cfg.Seed
	from := s.cfg.CreateFrom
	if from < 0 {
		var err error
		if from, err = s.freeCreateSlot(ctx); err != nil {
			return sr, err
		}
	}
	s.pop.next.Store(int64(from))
	if _, err := s.waitPublished(ctx); err != nil {
		return sr, err
	}
	if !s.cfg.NATSLag {
		return sr, nil
	}
	var err error
	s.lag, err = newLagWatcher(s.natsURL)
	return sr, err
}

// createSlot is how many customers one run against --url may create without colliding with
// another run's: runs take different slots of this size.
const createSlot = 100_000

// freeCreateSlot returns the start of a slot of create indexes whose first customer does not
// exist in the ledger at --url (slots tried in random order).
func (s *session) freeCreateSlot(ctx context.Context) (int, error) {
	slots := (maxIndex - createBase) / createSlot
	for _, k := range rand.Perm(slots) {
		from := createBase + k*createSlot
		status, _, _, err := s.svc.do(ctx, request{Method: http.MethodGet, Path: s.pop.base() + "/customers/" + s.pop.customerNo(from)}, false)
		if err != nil {
			return 0, err
		}
		switch status {
		case http.StatusNotFound:
			return from, nil
		case http.StatusOK:
			continue
		default:
			return 0, fmt.Errorf("looking for unused customer numbers: GET customer %s: status %d", s.pop.customerNo(from), status)
		}
	}
	return 0, fmt.Errorf("every slot of %d customer numbers for creates is used: give --create-from", createSlot)
}

// head returns the log's head position from /metrics.
func (s *session) head(ctx context.Context) (uint64, error) {
	m, err := scrapeMetrics(ctx, s.metrics, s.base)
	if err != nil {
		return 0, err
	}
	return uint64(m["ledgerd_log_head_position"]), nil
}

// waitPublished waits until the relay has published the whole log (with a progress bar when
// there is a backlog) and returns the catch-up when it was large enough to be a rate (≥ 5,000
// events).
func (s *session) waitPublished(ctx context.Context) (*catchUp, error) {
	var bar *progress.Bar
	var first float64
	t0 := time.Now()
	connected := false
	for {
		m, err := scrapeMetrics(ctx, s.metrics, s.base)
		if err != nil {
			return nil, err
		}
		head, published := m["ledgerd_log_head_position"], m["ledgerd_relay_published_position"]
		// ledgerd serves before its embedded NATS is up; until the relay is connected its
		// published position is not known yet, so the catch-up starts counting then.
		if !connected {
			if connected = m["ledgerd_relay_connected"] == 1; !connected {
				if time.Since(t0) > s.cfg.ReadyTimeout {
					return nil, fmt.Errorf("the relay did not connect to NATS within %s", s.cfg.ReadyTimeout)
				}
				select {
				case <-ctx.Done():
					return nil, ctx.Err()
				case <-time.After(20 * time.Millisecond):
				}
				continue
			}
			t0 = time.Now()
		}
		if bar == nil {
			first = published
		}
		if published >= head {
			if bar != nil {
				bar.Finish(uint64(published))
			}
			n := published - first
			if n < 5000 {
				return nil, nil
			}
			took := time.Since(t0)
			return &catchUp{Events: uint64(n), Seconds: took.Seconds(), PerSecond: n / took.Seconds()}, nil
		}
		if bar == nil && head-published > 100 {
			bar = newProgress(s.stderr, "relay publishing the log on NATS", "events", int64(head))
		}
		if bar != nil {
			bar.Update(uint64(published))
		}
		if time.Since(t0) > s.cfg.ReadyTimeout {
			return nil, fmt.Errorf("the relay did not publish the log within %s (at %.0f of %.0f)", s.cfg.ReadyTimeout, published, head)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// drainStats is the drain after a write measurement without the lag watcher (--nats-lag=false),
// read from the relay's published position: the run's events acknowledged by JetStream.
type drainStats struct {
	Events   int     `json:"events"`       // of the run, published
	Missing  int     `json:"missing"`      // of the run, not published when the harness stopped waiting
	DrainSec float64 `json:"drainSeconds"` // after the run, until its last event was published
	// SpanSec is from the run's first request (the warm-up's included) until its last event was
	// published.
	SpanSec float64 `json:"spanSeconds"`
}

// drain waits until the relay has published position head (or timeout), polling /metrics at
// waitPublished's pace, and returns the run's events from+1..head published; began is when the
// run's first request was sent. A ctx that ends before head is published is an error: the run
// was stopped, and its figures would count as missing what was only not waited for.
func (s *session) drain(ctx context.Context, from, head uint64, began time.Time, timeout time.Duration) (drainStats, error) {
	t0 := time.Now()
	deadline := t0.Add(timeout)
	for {
		m, err := scrapeMetrics(ctx, s.metrics, s.base)
		if err != nil {
			return drainStats{}, err
		}
		published := min(max(uint64(m["ledgerd_relay_published_position"]), from), head)
		now := time.Now()
		if published < head && ctx.Err() != nil { // stopped, not drained: no figures
			return drainStats{}, fmt.Errorf("waiting for the run's events on NATS: %w", ctx.Err())
		}
		if published >= head || !now.Before(deadline) {
			return drainStats{Events: int(published - from), Missing: int(head - published),
				DrainSec: now.Sub(t0).Seconds(), SpanSec: now.Sub(began).Seconds()}, nil
		}
		select {
		case <-ctx.Done():
		case <-time.After(min(100*time.Millisecond, time.Until(deadline))):
		}
	}
}

// stop stops the started ledgerd and returns how long its graceful stop took. The customers
// the workloads created are recorded, so the next start (scale's next size, the next run on the
// data directory) creates others.
func (s *session) stop() (time.Duration, error) {
	if s.lag != nil {
		s.lag.close()
		s.lag = nil
	}
	if s.child == nil {
		return 0, nil
	}
	d, err := s.child.stop()
	s.child = nil
	s.mark.Created = max(s.mark.Created, int(s.pop.next.Load())-createBase)
	return d, errors.Join(err, writeMarker(s.dataDir, s.mark))
}

// close stops everything the session started, records the created customers in the data
// directory, and removes a temporary data directory.
func (s *session) close() error {
	_, err := s.stop()
	for _, dir := range []string{s.tempRoot, s.binDir} {
		if dir != "" {
			err = errors.Join(err, os.RemoveAll(dir))
		}
	}
	return err
}
