package projections

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/eventstore/relay"
	bolt "go.etcd.io/bbolt"
)

// Event is a stored event as the projections see it.
type Event = eventstore.Event

// Feed delivers the log's events to projections as Watermill messages in the format of
// relay.NewMessage, in log order, waiting for each message's ack before the next (package feed
// has the local-log and JetStream feeds).
type Feed interface {
	// Subscriber returns a subscriber and its topic that deliver the events after checkpoint() to
	// the handler called name (a stable name: a JetStream feed names its consumer after it). The
	// subscriber calls checkpoint again whenever it resumes.
	Subscriber(name string, checkpoint func() uint64) (message.Subscriber, string, error)
}

// Metadata a Feed sets on its messages (never taken from a message's headers).
const (
	// MetadataMore marks a message the feed already holds the next message after: the handler
	// may keep the event for a batch instead of committing it at once.
	MetadataMore = "_feed_more"
	// MetadataStreamSequence is the JetStream stream sequence of the message, which must equal
	// the event's log position.
	MetadataStreamSequence = "_feed_stream_sequence"
)

// HandlerName is the name of the runner's one Watermill handler, which applies every projection,
// and of its feed subscriber.
const HandlerName = "projections"

// Runner runs its projections in one Watermill handler fed by one Feed subscriber: each event is
// decoded once and applied to every projection, and the events of a batch are applied with every
// projection's checkpoint in one transaction. The feed starts after the lowest checkpoint; a
// projection skips the events at or below its own checkpoint (one rebuilt after a code-version
// change catches up while the others skip), and an event beyond the lowest checkpoint+1 (a gap)
// stops the runner.
type Runner struct {
	db          *DB
	projections []Projection
	positions   []atomic.Uint64 // per projection, same order
	log         *slog.Logger

	position atomic.Uint64 // every projection has applied at least this position
	mu       sync.Mutex
	wake     chan struct{} // closed when position advances or the runner fails
	failed   atomic.Pointer[error]
	stop     context.CancelFunc
	ctx      context.Context // Run's; ends when the runner stops
}

// NewRunner returns a runner of the projections over db. Run prepares them (rebuilding those whose
// code version changed) and feeds them.
func NewRunner(db *DB, log *slog.Logger, ps ...Projection) (*Runner, error) {
	if log == nil {
		log = slog.Default()
	}
	seen := map[string]bool{}
	for _, p := range ps {
		if seen[p.Name()] {
			return nil, fmt.Errorf("projections: two projections named %q", p.Name())
		}
		seen[p.Name()] = true
	}
	return &Runner{db: db, projections: ps, positions: make([]atomic.Uint64, len(ps)), log: log, wake: make(chan struct{})}, nil
}

// Run feeds the projections from feed until ctx ends (it then returns nil) or a projection fails
// (it returns that error; WaitFor reports it too).
func (r *Runner) Run(ctx context.Context, feed Feed) error {
	cps, err := r.db.prepare(r.projections)
	if err != nil {
		return r.fail(fmt.Errorf("projections: prepare: %w", err))
	}
	h := &handler{r: r, checkpoints: make([]uint64, len(r.projections))}
	for i, p := range r.projections {
		h.checkpoints[i] = cps[p.Name()]
		r.positions[i].Store(cps[p.Name()])
		if cps[p.Name()] == 0 {
			r.log.Info("projections: building from the start of the log", "projection", p.Name())
		}
	}
	h.low = lowest(h.checkpoints)
	r.advance()

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	r.mu.Lock()
	r.stop, r.ctx = cancel, ctx
	r.mu.Unlock()
	// Watermill's own messages (handler started, router closed) are debug detail here.
	wlog := watermill.NewSlogLoggerWithLevelMapping(r.log.With("component", "projections"),
		map[slog.Level]slog.Level{slog.LevelInfo: slog.LevelDebug})
	router, err := message.NewRouter(message.RouterConfig{CloseTimeout: 10 * time.Second}, wlog)
	if err != nil {
		return r.fail(err)
	}
	// r.position is the lowest checkpoint: the feed starts, and resumes, after it.
	sub, topic, err := feed.Subscriber(HandlerName, r.position.Load)
	if err != nil {
		return r.fail(fmt.Errorf("projections: %w", err))
	}
	router.AddConsumerHandler(HandlerName, topic, sub, h.handle)
	if err := router.Run(ctx); err != nil {
		return r.fail(fmt.Errorf("projections: router: %w", err))
	}
	if err := r.Err(); err != nil {
		return err
	}
	if ctx.Err() == nil {
		return r.fail(errors.New("projections: the feed ended"))
	}
	return nil
}

// handler is the runner's Watermill handler. Events the feed marks MetadataMore are kept in
// pending (up to maxBatch) and applied with the next ones in one transaction; the rest commit at
// once. Acknowledging a pending event before it is committed is safe: feeds start again from the
// lowest checkpoint, never from what was acknowledged. The router calls handle for one message at
// a time (the feed waits for each ack), so the handler needs no lock.
type handler struct {
	r           *Runner
	checkpoints []uint64 // committed, per projection (the runner's order)
	low         uint64   // the lowest of checkpoints: the feed's committed position
	pending     []Event  // low+1, low+2, ...
	applying    string   // the projection applying an event, for a panic's message
}

// maxBatch is the most events applied in one transaction.
const maxBatch = 2048

// GapError reports an event that does not follow a projection's checkpoint: the feed lost events.
type GapError struct {
	Projection string
	Checkpoint uint64
	Position   uint64
}

func (e *GapError) Error() string {
	return fmt.Sprintf("projections: %s holds position %d but was given %d: events %d to %d are missing from the feed",
		e.Projection, e.Checkpoint, e.Position, e.Checkpoint+1, e.Position-1)
}

func (h *handler) handle(msg *message.Message) (err error) {
	defer func() {
		if v := recover(); v != nil {
			where := "projections"
			if h.applying != "" {
				where += ": " + h.applying
			}
			err = h.r.fail(fmt.Errorf("%s: panic on message %s: %v\n%s", where, msg.UUID, v, debug.Stack()))
		}
	}()
	if err := h.r.Err(); err != nil {
		return err // stopped: the router is closing
	}
	e, err := relay.EventFromMessage(msg)
	if err == nil {
		if s := msg.Metadata.Get(MetadataStreamSequence); s != "" && s != strconv.FormatUint(e.Position, 10) {
			err = fmt.Errorf("message at stream sequence %s carries log position %d: the stream was not written by the relay", s, e.Position)
		}
	}
	if err != nil {
		return h.r.fail(fmt.Errorf("projections: %w", err))
	}
	switch last := h.low + uint64(len(h.pending)); {
	case e.Position <= h.low:
		return nil // every projection applied it before: a redelivery
	case e.Position <= last:
		h.pending = h.pending[:0] // the feed started again from the checkpoint
		if e.Position != h.low+1 {
			return h.r.fail(h.gap(e.Position))
		}
	case e.Position != last+1:
		if len(h.pending) > 0 { // keep what came before the gap
			if err := h.commit(); err != nil {
				return h.r.fail(err)
			}
		}
		return h.r.fail(h.gap(e.Position))
	}
	h.pending = append(h.pending, e)
	if msg.Metadata.Get(MetadataMore) != "" && len(h.pending) < maxBatch {
		return nil
	}
	if err := h.commit(); err != nil {
		return h.r.fail(err)
	}
	return nil
}

// gap returns the GapError of an event at pos following the committed events: it names the
// first projection holding the lowest checkpoint.
func (h *handler) gap(pos uint64) error {
	name := HandlerName
	for i, cp := range h.checkpoints {
		if cp == h.low {
			name = h.r.projections[i].Name()
			break
		}
	}
	return &GapError{Projection: name, Checkpoint: h.low, Position: pos}
}

// commit applies the pending events to every projection that does not hold them yet and moves
// those projections' checkpoints, all in one transaction. A projection that fails to apply an event
// stops the runner; a transaction that cannot be written (a full or failing disk) is tried again,
// with backoff, until it is written or the runner stops: the read models lag meanwhile (not ready;
// writes wait for them) and catch up once the disk takes writes.
func (h *handler) commit() error {
	last := h.pending[len(h.pending)-1].Position
	backoff := 50 * time.Millisecond
	for attempt := 0; ; attempt++ {
		var applyErr error
		err := h.r.db.db.Update(func(tx *bolt.Tx) error {
			applyErr = h.apply(tx, last)
			return applyErr
		})
		if err == nil {
			if attempt > 0 {
				h.r.log.Info("projections: the read models are written again", "position", last)
			}
			break
		}
		if applyErr != nil {
			return applyErr
		}
		if attempt == 0 {
			h.r.log.Warn("projections: the read models cannot be written; retrying", "position", last, "err", err)
		}
		select {
		case <-time.After(backoff):
		case <-h.r.ctx.Done():
			return fmt.Errorf("projections: stopped while the read models could not be written: %w", err)
		}
		backoff = min(2*backoff, 2*time.Second)
	}
	for i, cp := range h.checkpoints {
		if cp < last {
			h.checkpoints[i] = last
			h.r.positions[i].Store(last)
		}
	}
	// Every projection holds last now, and those that held no more than low hold exactly last.
	h.low, h.pending = last, h.pending[:0]
	h.r.advance()
	return nil
}

// apply applies the pending events to every projection whose checkpoint is below last, each
// event only to those whose checkpoint is below it, and moves their checkpoints to last inside tx.
func (h *handler) apply(tx *bolt.Tx, last uint64) error {
	h.applying = ""
	checkpoints := tx.Bucket(bucketCheckpoints)
	var behind []int // indexes of the projections applying part of the batch
	var ps []Projection
	for i, p := range h.r.projections {
		if h.checkpoints[i] >= last {
			continue
		}
		var cp uint64
		if v := checkpoints.Get([]byte(p.Name())); v != nil {
			cp = binary.BigEndian.Uint64(v)
		}
		if cp != h.checkpoints[i] {
			return fmt.Errorf("projections: %s: checkpoint %d in the file, %d in memory: two runners on one file?", p.Name(), cp, h.checkpoints[i])
		}
		behind, ps = append(behind, i), append(ps, p)
	}
	bs := beginBatches(tx, ps...)
	defer bs.end()
	for _, e := range h.pending {
		for k, i := range behind {
			if e.Position <= h.checkpoints[i] {
				continue // applied before this projection's checkpoint
			}
			p := ps[k]
			h.applying = p.Name()
			if err := p.Apply(tx, e); err != nil {
				return fmt.Errorf("projections: %s: event %d (%s): %w", p.Name(), e.Position, e.Type, err)
			}
		}
	}
	h.applying = ""
	if err := bs.flush(tx); err != nil {
		return err
	}
	cp := binary.BigEndian.AppendUint64(nil, last)
	for _, p := range ps {
		if err := checkpoints.Put([]byte(p.Name()), cp); err != nil {
			return err
		}
	}
	return nil
}

// lowest returns the lowest of cps, 0 for none.
func lowest(cps []uint64) uint64 {
	var low uint64
	for i, cp := range cps {
		if i == 0 || cp < low {
			low = cp
		}
	}
	return low
}

// advance recomputes the position every projection has reached and wakes the waiters.
func (r *Runner) advance() {
	var low uint64
	for i := range r.positions {
		if p := r.positions[i].Load(); i == 0 || p < low {
			low = p
		}
	}
	if low != r.position.Load() || len(r.positions) == 0 {
		r.position.Store(low)
		r.wakeWaiters()
	}
}

func (r *Runner) fail(err error) error {
	if !r.failed.CompareAndSwap(nil, &err) {
		return *r.failed.Load()
	}
	r.log.Error("projections stopped", "err", err)
	r.mu.Lock()
	if r.stop != nil {
		r.stop()
	}
	r.mu.Unlock()
	r.wakeWaiters()
	return err
}

// wakeWaiters wakes every WaitFor so it re-checks the position and the error.
func (r *Runner) wakeWaiters() {
	r.mu.Lock()
	close(r.wake)
	r.wake = make(chan struct{})
	r.mu.Unlock()
}

// Positions returns each projection's position by name.
func (r *Runner) Positions() map[string]uint64 {
	out := make(map[string]uint64, len(r.projections))
	for i, p := range r.projections {
		out[p.Name()] = r.positions[i].Load()
	}
	return out
}

// Position returns the position every projection has reached.
func (r *Runner) Position() uint64 { return r.position.Load() }

// Err returns the error that stopped the runner, if any.
func (r *Runner) Err() error {
	if p := r.failed.Load(); p != nil {
		return *p
	}
	return nil
}

// WaitFor blocks until every projection has applied position pos, ctx ends, or the runner failed.
func (r *Runner) WaitFor(ctx context.Context, pos uint64) error {
	for {
		r.mu.Lock()
		wake := r.wake
		r.mu.Unlock()
		if r.position.Load() >= pos {
			return nil
		}
		if err := r.Err(); err != nil {
			return err
		}
		select {
		case <-wake:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
