package relay

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Defaults of HealerConfig.
const (
	DefaultHealInterval   = time.Second
	DefaultHealMinFree    = 1 << 20
	DefaultHealMinBackoff = time.Second
	DefaultHealMaxBackoff = time.Minute
)

// HealerConfig configures a Healer. The zero value is valid.
type HealerConfig struct {
	// Interval between health checks. Default 1s.
	Interval time.Duration
	// MinFree is the free space, in bytes, the store's file system must have before the server
	// is restarted. Default 1 MiB. Where free space cannot be measured (other systems than Linux,
	// macOS and FreeBSD) restarts are spaced by the backoff alone.
	MinFree uint64
	// MinBackoff and MaxBackoff bound the wait between restarts that did not cure the server: the
	// wait doubles from MinBackoff up to MaxBackoff and resets once a restart held. Defaults 1s
	// and 1 min.
	MinBackoff, MaxBackoff time.Duration
	// Logger receives the healer's log lines. Default slog.Default().
	Logger *slog.Logger
}

// Healer keeps an embedded server's JetStream storing. nats-server does not recover from a full
// disk by itself: a stream whose store failed to write (ENOSPC) keeps that write error and
// accepts nothing more — it does not even answer the publisher — until the stream is loaded
// again, and some out-of-space paths shut JetStream down altogether. Either lasts until a
// restart, however much space returns.
//
// The Healer checks the server every Interval (nats-server's Healthz: JetStream enabled, no
// stream with a write error). When it finds JetStream unable to store twice in a row and the
// store's disk has MinFree bytes free, it restarts the server in this process on the same
// address: the streams are loaded again from disk, and clients that reconnect (the relay's
// connection must, see Config.JetStream) resume. A restart that does not cure it is tried again
// after a backoff. Messages JetStream acknowledged are on disk and survive the restart; the relay
// republishes from the log whatever the stream lost (see the package documentation).
//
// The whole server is restarted rather than JetStream alone (ShutdownJetStream and
// EnableJetStream, as nats-server's configuration reload does): enabling JetStream again in a
// running server races with API requests in flight (found by the race detector in nats-server
// v2.15.2).
type Healer struct {
	emb  EmbeddedConfig // Port: the address the server listens on
	cfg  HealerConfig
	log  *slog.Logger
	dir  string
	mu   sync.Mutex
	srv  *server.Server // the current server (Run replaces it)
	prob string         // "" while JetStream stores
	from time.Time
}

// NewHealer returns a Healer for the server StartEmbedded started with emb; Run starts it.
func NewHealer(s *server.Server, emb EmbeddedConfig, cfg HealerConfig) (*Healer, error) {
	if s == nil {
		return nil, errors.New("relay: NewHealer: nil server")
	}
	emb, err := emb.withDefaults()
	if err != nil {
		return nil, err
	}
	addr, ok := s.Addr().(*net.TCPAddr)
	if !ok {
		return nil, errors.New("relay: NewHealer: the server does not listen (not started, or shut down)")
	}
	emb.Port = addr.Port
	var errs []error
	if cfg.Interval < 0 {
		errs = append(errs, errors.New("Interval must not be negative"))
	}
	if cfg.MinBackoff < 0 || cfg.MaxBackoff < 0 {
		errs = append(errs, errors.New("MinBackoff and MaxBackoff must not be negative"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("relay: invalid HealerConfig: %w", err)
	}
	if cfg.Interval == 0 {
		cfg.Interval = DefaultHealInterval
	}
	if cfg.MinFree == 0 {
		cfg.MinFree = DefaultHealMinFree
	}
	if cfg.MinBackoff == 0 {
		cfg.MinBackoff = DefaultHealMinBackoff
	}
	if cfg.MaxBackoff == 0 {
		cfg.MaxBackoff = max(DefaultHealMaxBackoff, cfg.MinBackoff)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Healer{emb: emb, cfg: cfg, log: cfg.Logger, dir: emb.StoreDir, srv: s}, nil
}

// Server returns the current server: the one NewHealer was given until Run restarts it. Shut it
// down after Run has returned.
func (h *Healer) Server() *server.Server {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.srv
}

// Problem returns why JetStream cannot store, and since when; "" while it can. The text names
// the stream and the system's error (such as "no space left on device"), not the store's path.
func (h *Healer) Problem() (string, time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.prob, h.from
}

// Run checks and heals until ctx ends.
func (h *Healer) Run(ctx context.Context) {
	tick := time.NewTicker(h.cfg.Interval)
	defer tick.Stop()
	var (
		seen        int           // consecutive checks that found a problem
		backoff     time.Duration // wait after the last restart
		lastRestart time.Time
	)
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		problem, detail := h.check()
		h.set(problem, detail)
		if problem == "" {
			seen = 0
			continue
		}
		if seen++; seen < 2 {
			continue // a stream being created looks like a problem for a moment
		}
		now := time.Now()
		if !lastRestart.IsZero() && now.Before(lastRestart.Add(backoff)) {
			continue
		}
		if free, ok := diskFree(h.dir); ok && free < h.cfg.MinFree {
			continue
		}
		if lastRestart.IsZero() || now.Sub(lastRestart) > 2*backoff+h.cfg.Interval {
			backoff = h.cfg.MinBackoff // the last restart held for a while
		} else {
			backoff = min(2*backoff, h.cfg.MaxBackoff)
		}
		lastRestart = now
		h.restart(ctx, problem, backoff)
		seen = 0
	}
}

// check returns the problem ("" when none) and nats-server's own words for the log.
func (h *Healer) check() (problem, detail string) {
	s := h.Server()
	switch {
	case !s.Running():
		return "the embedded NATS server is not running", "a restart failed"
	case !s.JetStreamEnabled():
		return "JetStream is disabled", "JetStream is disabled"
	}
	hs := s.Healthz(&server.HealthzOptions{Details: true})
	var problems, details []string
	for _, e := range hs.Errors {
		if e.Type == server.HealthzErrorStream && strings.Contains(e.Error, "write error") {
			problems = append(problems, fmt.Sprintf("stream %s cannot write its store: %s", e.Stream, lastPart(e.Error)))
			details = append(details, e.Error)
		}
	}
	return strings.Join(problems, "; "), strings.Join(details, "; ")
}

// lastPart is the system's error at the end of nats-server's message ("no space left on device"),
// without the paths before it.
func lastPart(msg string) string {
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		return msg[i+2:]
	}
	return msg
}

func (h *Healer) set(problem, detail string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case problem == h.prob:
		return
	case problem == "":
		h.log.Info("embedded JetStream stores again", "was", h.prob, "for", time.Since(h.from).Round(time.Second))
		h.from = time.Time{}
	case h.prob == "":
		h.log.Error("embedded JetStream cannot store; events wait in the log and are published once it can (the server is restarted when its disk has room)",
			"problem", problem, "detail", detail)
		h.from = time.Now()
	}
	h.prob = problem
}

// restart shuts the server down and starts it again with the same configuration and address.
func (h *Healer) restart(ctx context.Context, problem string, retryIn time.Duration) {
	h.log.Warn("restarting the embedded NATS server to load its streams again", "problem", problem)
	start := time.Now()
	old := h.Server()
	old.Shutdown()
	old.WaitForShutdown()
	if ctx.Err() != nil {
		return // ledgerd is stopping: it shuts the (old) server down, which is done
	}
	s, err := StartEmbedded(h.emb)
	if err != nil {
		h.log.Error("the embedded NATS server did not start again; retrying", "err", err, "retryIn", retryIn)
		return
	}
	h.mu.Lock()
	h.srv = s
	h.mu.Unlock()
	h.log.Info("embedded NATS server restarted", "took", time.Since(start).Round(time.Millisecond))
}
