package relay

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/internal/tracing"
	"go.opentelemetry.io/otel/trace"
)

// Relay publishes every event of the log to the JetStream stream, in log order, at least once and
// de-duplicated to effectively once: stream sequence N holds log position N. See the package
// documentation for the protocol and the failure handling.
type Relay struct {
	cfg Config
	log *slog.Logger

	running  atomic.Bool
	cursor   atomic.Uint64 // last position known to be in the stream
	progress atomic.Int64  // when the cursor last moved (or the relay was made), Unix nanoseconds

	mu      sync.Mutex
	lastErr string

	tracing bool         // cfg.TracerProvider may record (trace.go)
	tracer  trace.Tracer // SpanPublish
}

// New returns a relay; Run starts it.
func New(cfg Config) (*Relay, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("relay: invalid Config: %w", err)
	}
	cfg = cfg.withDefaults()
	r := &Relay{cfg: cfg, log: cfg.Logger.With("component", "relay", "stream", cfg.Stream),
		tracing: tracing.Enabled(cfg.TracerProvider), tracer: tracing.Provider(cfg.TracerProvider).Tracer(tracing.Scope)}
	r.progress.Store(time.Now().UnixNano())
	return r, nil
}

// setCursor moves the cursor and notes progress when it moved forward.
func (r *Relay) setCursor(c uint64) {
	if r.cursor.Swap(c) < c {
		r.progress.Store(time.Now().UnixNano())
	}
}

// Status is a snapshot of the relay's progress, for readiness checks and metrics.
type Status struct {
	// Published is the relay's cursor: every position up to it is in the stream (it equals the
	// stream's last sequence once the relay has read it on start).
	Published uint64
	// Head is the log's last position.
	Head uint64
	// LagPositions is Head - Published: events stored but not yet published.
	LagPositions uint64
	// LagSeconds is the age of the oldest unpublished event (by its recorded time); 0 when none.
	LagSeconds float64
	// LastError is the error of the current failure streak; empty once an operation succeeds.
	LastError string
	// Connected is true when the NATS connection is up.
	Connected bool
	// Stuck is true when events wait and nothing moves: the oldest unpublished event is at least
	// Config.StuckAfter old and nothing was published for at least as long (NATS unreachable, the
	// stream refusing or not answering, or Run stopped). The log keeps every event meanwhile.
	Stuck bool
	// Since is when the relay last published (or was made); set when Stuck.
	Since time.Time
}

// Status returns the relay's current status. It is safe to call at any time, from any goroutine.
func (r *Relay) Status() Status {
	ctx := context.Background()
	st := Status{Published: r.cursor.Load()}
	st.Head, _ = r.cfg.Log.Head(ctx)
	if st.Head > st.Published {
		st.LagPositions = st.Head - st.Published
		if evs, err := r.cfg.Log.ReadAll(ctx, st.Published+1, 1); err == nil && len(evs) == 1 {
			st.LagSeconds = max(0, time.Since(evs[0].Time).Seconds())
		}
		since := time.Unix(0, r.progress.Load())
		if wait := r.cfg.StuckAfter.Seconds(); st.LagSeconds >= wait && time.Since(since).Seconds() >= wait {
			st.Stuck, st.Since = true, since
		}
	}
	r.mu.Lock()
	st.LastError = r.lastErr
	r.mu.Unlock()
	st.Connected = r.cfg.JetStream.Conn().IsConnected()
	return st
}

func (r *Relay) setError(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err == nil {
		r.lastErr = ""
	} else {
		r.lastErr = err.Error()
	}
}

// Run publishes until ctx ends (it then returns nil, after waiting for the acks of the batches in
// flight, at most AckTimeout) or the log is closed (nil). NATS being unreachable, and every other
// publishing error, is retried with backoff for as long as it lasts. Run returns an error only
// when it must not go on: the stream and the log disagree (ErrStreamAhead, ErrForeignMessage), an
// event cannot be published (wire.ErrUnmappableEvent), or the log cannot be read (eventstore errors).
// Only one Run may be active at a time.
func (r *Relay) Run(ctx context.Context) error {
	if !r.running.CompareAndSwap(false, true) {
		return errors.New("relay: already running")
	}
	defer r.running.Store(false)
	var snd sender
	switch pub := r.cfg.Publisher.(type) {
	case nil:
		p, err := NewAsyncPublisher(r.cfg.JetStream.Conn(), AsyncPublisherConfig{AckTimeout: r.cfg.AckTimeout, MaxInFlight: r.cfg.MaxInFlight})
		if err != nil {
			return err
		}
		defer p.Close()
		snd = p
	case *AsyncPublisher:
		snd = pub
	default:
		snd = syncSender{pub}
	}
	var back <-chan nats.Status // the connection reconnected (nil without one: never ready)
	if js := r.cfg.JetStream; js != nil {
		if nc := js.Conn(); nc != nil {
			ch := nc.StatusChanged(nats.CONNECTED)
			defer nc.RemoveStatusListener(ch)
			back = ch
		}
	}
	b := backoff{min: r.cfg.MinBackoff, max: r.cfg.MaxBackoff}
	var failure error // why the last attempt ended
	var prev uint64
	started := false
	for {
		if failure != nil && !isWrongLastSequence(failure) && !b.wait(ctx) {
			return nil
		}
		cursor, err := r.reconcile(ctx, started)
		switch {
		case ctx.Err() != nil:
			return nil
		case errors.Is(err, eventstore.ErrClosed):
			return nil
		case isTerminal(err), errors.Is(err, errLog):
			return r.stop(err)
		case err != nil:
			failure = r.fail(err)
			continue
		}
		r.setError(nil)
		if !started {
			r.log.Info("relay: starting", "from", cursor+1)
			started = true
		}
		// A "wrong last sequence" that reconciling did not explain by progress in the stream is
		// retried after a pause, so a persistent disagreement cannot spin.
		if failure != nil && isWrongLastSequence(failure) && cursor <= prev && !b.wait(ctx) {
			return nil
		}
		r.setCursor(cursor)
		failure = r.publishFrom(ctx, snd, cursor, &b, back)
		prev = r.cursor.Load()
		switch {
		case failure == nil:
			return nil
		case errors.Is(failure, errReconnected):
			failure = nil // reconcile at once: the stream may have lost its tail meanwhile
			continue
		case isTerminal(failure):
			return r.stop(failure)
		case errors.Is(failure, errLog):
			return r.stop(failure)
		}
		r.fail(failure)
	}
}

// errReconnected ends a publishFrom whose connection reconnected: Run reconciles again.
var errReconnected = errors.New("relay: reconnected")

// errLog marks errors reading the log: they stop the relay.
var errLog = errors.New("relay: read log")

func (r *Relay) fail(err error) error {
	r.setError(err)
	level := slog.LevelWarn
	if isWrongLastSequence(err) {
		level = slog.LevelInfo // expected after a lost ack or a restart race; reconciled next
	}
	r.log.Log(context.Background(), level, "relay: publishing failed; will reconcile and retry", "published", r.cursor.Load(), "err", err)
	return err
}

func (r *Relay) stop(err error) error {
	r.setError(err)
	r.log.Error("relay: stopped", "published", r.cursor.Load(), "err", err)
	return err
}

// backoff is a capped exponential backoff.
type backoff struct {
	min, max, cur time.Duration
}

func (b *backoff) reset() { b.cur = 0 }

// wait sleeps for the next interval; false when ctx ended first.
func (b *backoff) wait(ctx context.Context) bool {
	if b.cur == 0 {
		b.cur = b.min
	} else {
		b.cur = min(2*b.cur, b.max)
	}
	t := time.NewTimer(b.cur)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
