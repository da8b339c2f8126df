package projections

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/internal/tracing"
	bolt "go.etcd.io/bbolt"
)

// Event is a stored event as the projections see it.
type Event = eventstore.Event

// Runner applies the log's events to its projections: each event is decoded once (or taken as
// its appender decided it) and applied to every projection, and the events of a batch are
// applied with every projection's checkpoint in one transaction. A projection skips the events
// at or below its own checkpoint (one rebuilt after a code-version change catches up while the
// others skip), and an event beyond the lowest checkpoint+1 (a gap) stops the runner.
//
// Two drivers feed the same code, one at a time:
//
//   - on the writer, the event log's commit pipeline: the Runner is the store's Applier (Apply),
//     given each group of appends as it was committed, with the decided events in the clear,
//     into one transaction open across groups and written back (writeback.go), and reading
//     from the log only what it lacks (after a start, a failed commit, or when it fell behind);
//   - on a reader replica, JetStream: Run, with a Feed, in one Watermill handler.
type Runner struct {
	db          *DB
	projections []Projection
	positions   []atomic.Uint64 // per projection, same order
	log         *slog.Logger

	position atomic.Uint64 // every projection has applied at least this position
	mu       sync.Mutex
	wake     chan struct{} // closed when position advances or the runner fails
	failed   atomic.Pointer[error]
	stop     context.CancelFunc // Run's

	// What is applied; held by the driver applying (applyMu).
	applyMu     applyLock
	checkpoints []uint64              // committed, per projection (the runner's order)
	low         uint64                // the lowest of checkpoints
	applying    string                // the projection applying an event, for a panic's message
	wb          writeBack             // the writer's open transaction (writeback.go)
	once        bool                  // commit tries once (a read's flush)
	writeErr    atomic.Pointer[error] // the last commit's error, until one succeeds (Unwritten)
	stalled     atomic.Bool           // a commit is being tried again, applyMu held (flush)
	started     bool                  // Apply ran: its first call without events compared the read models with the log's head
	uncheckedAt time.Time             // when ResetIfNotInStream last logged that it could not read the stream's event
}

// NewRunner returns a runner of the projections over db, prepared: their buckets exist (so the
// read models can be read at once, empty), and those whose code version changed are reset, to be
// rebuilt by the runner's driver (Apply or Run) from the log.
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
	r := &Runner{db: db, projections: ps, positions: make([]atomic.Uint64, len(ps)), log: log, wake: make(chan struct{}),
		applyMu: make(applyLock, 1)}
	if err := r.start(); err != nil {
		return nil, err
	}
	db.runner.Store(r) // DB.view flushes it, DB.Close commits it
	return r, nil
}

// start reads the projections' checkpoints, resetting those whose code version changed.
func (r *Runner) start() error {
	cps, err := r.db.prepare(r.projections)
	if err != nil {
		return fmt.Errorf("projections: prepare: %w", err)
	}
	r.checkpoints = make([]uint64, len(r.projections))
	for i, p := range r.projections {
		r.checkpoints[i] = cps[p.Name()]
		r.positions[i].Store(cps[p.Name()])
		if cps[p.Name()] == 0 {
			r.log.Info("projections: building from the start of the log", "projection", p.Name())
		}
	}
	for _, p := range r.projections {
		// An index held in memory is read now, before the runner applies or anyone reads, not at
		// its first use, which would hold up the commits meanwhile (~0.1 s per 100k customers).
		if h, ok := p.(indexHolder); ok {
			if err := h.loadIndexes(); err != nil {
				return fmt.Errorf("projections: %s: %w", p.Name(), err)
			}
		}
	}
	r.low = lowest(r.checkpoints)
	r.wb.committed = slices.Clone(r.checkpoints)
	r.advance()
	return nil
}

// Apply implements eventstore.Applier, the writer's driver: it applies the log's events up to
// upTo, reading from log those before events (a catch-up, prepared in a second goroutine as a
// rebuild is, committed read by read), and events themselves into the open write-back
// transaction (writeback.go), decoding none whose appender's decided event they carry. It
// returns once every read sees upTo: customer reads from what the transaction wrote, the others
// after the commit they cause. A commit that cannot be written (a full disk) is applied again
// from the log until it is written or ctx ends; a projection that fails stops the runner, and
// Apply returns its error from then on.
func (r *Runner) Apply(ctx context.Context, log eventstore.Reader, upTo uint64, events []Event) (err error) {
	ctx, span := tracing.StartChild(ctx, SpanApply) // trace.go
	if span.IsRecording() {
		defer func() { endApply(span, len(events), upTo, err) }()
	}
	r.applyMu.Lock()
	defer r.applyMu.Unlock()
	if err := r.Err(); err != nil {
		return err
	}
	if !r.started {
		r.started = true
		// The commit pipeline's first call, without events, gives the log's head at open
		// (eventstore.Applier): read models that hold positions after it were built from another
		// log, or from a newer copy of this one (an older events.db restored under a newer
		// projections.db). They are rebuilt from this log, not served.
		if len(events) == 0 {
			if err := r.resetIfAhead(upTo, "event log"); err != nil {
				return r.fail(err)
			}
		}
	}
	if r.low >= upTo {
		return nil
	}
	next := upTo + 1 // the first of events not applied yet
	if len(events) > 0 {
		next = events[0].Position
	}
	if next > r.low+1 {
		span.SetAttributes(AttrCatchUp.Int64(int64(next - 1 - r.low)))
		// The open write-back transaction first: should the catch-up fail (and the runner stop),
		// the file holds every group answered before it (writeback.go).
		if err := r.commitBack(ctx, true); err != nil {
			return r.failUnlessLagging(err)
		}
		if err := r.catchUp(ctx, log, next-1); err != nil {
			return r.failUnlessLagging(err)
		}
	}
	for len(events) > 0 && events[0].Position <= r.low {
		events = events[1:]
	}
	if len(events) == 0 {
		return nil
	}
	return r.failUnlessLagging(r.applyBack(ctx, log, events)) // writeback.go
}

// resetIfAhead resets every projection when one holds a position after head, the head of the
// event log the writer's driver feeds them from, so that the driver rebuilds them all from it.
// (A reader's driver checks its stream with ResetIfNotInStream.) r.applyMu is held, before
// anything is applied.
func (r *Runner) resetIfAhead(head uint64, source string) error {
	if r.highest() <= head {
		return nil
	}
	_, err := r.resetAll("the read models hold positions the "+source+" does not have (an older log restored?); rebuilding them from the "+source,
		"checkpoints", slices.Clone(r.checkpoints), "head", head)
	return err
}

// failUnlessLagging stops the runner with err, unless err only says the read models could not be
// written before the driver stopped waiting (ErrNotApplied): they catch up later.
func (r *Runner) failUnlessLagging(err error) error {
	if err == nil || errors.Is(err, eventstore.ErrNotApplied) {
		return err
	}
	return r.fail(err)
}

// catchUp applies the log's events after the lowest checkpoint up to upTo, read and prepared one
// read ahead in a second goroutine, a transaction per read. r.applyMu is held.
func (r *Runner) catchUp(ctx context.Context, log eventstore.Reader, upTo uint64) error {
	reads := readAhead(ctx, log, r.low+1, upTo, r.projections)
	defer reads.stop()
	for r.low < upTo {
		read, ok := <-reads.c
		switch {
		case !ok && ctx.Err() != nil:
			return &eventstore.NotAppliedError{Position: upTo, Err: ctx.Err()}
		case !ok:
			return fmt.Errorf("projections: the log ended at position %d before %d", r.low, upTo)
		case read.err != nil:
			return read.err
		case len(read.events) == 0:
			return &GapError{Projection: r.lowName(), Checkpoint: r.low, Position: upTo}
		}
		if err := r.commit(ctx, read.events, read.prepared); err != nil {
			return err
		}
	}
	return nil
}

// commit applies events — which must follow the lowest checkpoint without a gap — to every
// projection that does not hold them yet and moves those projections' checkpoints, in one
// transaction. prepared holds each projection's preparation of each event (prepared[j][i]), or
// is nil: they are prepared here. A transaction that cannot be written (a full or failing disk)
// is tried again, with backoff, until it is written or ctx ends: the read models lag meanwhile
// (not ready; writes wait for them) and catch up once the disk takes writes. r.applyMu is held.
func (r *Runner) commit(ctx context.Context, events []Event, prepared [][]any) error {
	if r.wb.tx != nil { // the write-back transaction first: one write transaction at a time
		if err := r.commitBack(ctx, true); err != nil {
			return err
		}
	}
	if err := checkRun(r, events); err != nil {
		return err
	}
	if prepared == nil {
		prepared = prepareAll(r.projections, events)
	}
	last := events[len(events)-1].Position
	backoff := 50 * time.Millisecond
	for attempt := 0; ; attempt++ {
		var applyErr error
		err := r.db.db.Update(func(tx *bolt.Tx) error {
			applyErr = r.apply(tx, events, prepared, last)
			return applyErr
		})
		if err == nil {
			if attempt > 0 {
				r.log.Info("projections: the read models are written again", "position", last)
			}
			break
		}
		if applyErr != nil {
			r.stalled.Store(false) // an earlier attempt's commit may have failed: no loop is retrying now
			return applyErr
		}
		r.writeErr.Store(&err)
		r.dropIndexes()
		if r.once { // a read's flush (writeback.go): the read is answered now
			return &eventstore.NotAppliedError{Position: last, Err: fmt.Errorf("the read models could not be written: %w", err)}
		}
		if attempt == 0 {
			r.log.Warn("projections: the read models cannot be written; retrying", "position", last, "err", err)
		}
		r.stalled.Store(true) // a read's flush does not wait for this loop (writeback.go)
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
			r.stalled.Store(false)
			return &eventstore.NotAppliedError{Position: last, Err: fmt.Errorf("the read models could not be written (%v): %w", err, ctx.Err())}
		}
		backoff = min(2*backoff, 2*time.Second)
	}
	r.stalled.Store(false)
	r.moveCheckpoints(last)
	r.committed() // writeback.go
	return nil
}

// checkRun returns a GapError unless events follow the lowest checkpoint without a gap.
func checkRun(r *Runner, events []Event) error {
	if events[0].Position != r.low+1 {
		return &GapError{Projection: r.lowName(), Checkpoint: r.low, Position: events[0].Position}
	}
	for i := 1; i < len(events); i++ {
		if events[i].Position != events[i-1].Position+1 {
			return &GapError{Projection: r.lowName(), Checkpoint: events[i-1].Position, Position: events[i].Position}
		}
	}
	return nil
}

// moveCheckpoints records that every projection holds the events up to last, and wakes the
// waiters. r.applyMu is held.
func (r *Runner) moveCheckpoints(last uint64) {
	for i, cp := range r.checkpoints {
		if cp < last {
			r.checkpoints[i] = last
			if r.positions[i].Load() < last { // never back: after a failed write-back commit the
				r.positions[i].Store(last) // positions stay at what was answered (writeback.go)
			}
		}
	}
	r.low = last
	r.advance()
}

// apply applies events to every projection whose checkpoint is below last, each event only to
// those whose checkpoint is below it, and moves their checkpoints to last inside tx.
func (r *Runner) apply(tx *bolt.Tx, events []Event, prepared [][]any, last uint64) (err error) {
	defer func() {
		if v := recover(); v != nil {
			where := "projections"
			if r.applying != "" {
				where += ": " + r.applying
			}
			err = fmt.Errorf("%s: panic: %v\n%s", where, v, debug.Stack())
		}
	}()
	r.applying = ""
	checkpoints := tx.Bucket(bucketCheckpoints)
	var behind []int // indexes of the projections applying part of the batch
	var ps []Projection
	for i, p := range r.projections {
		if r.checkpoints[i] >= last {
			continue
		}
		var cp uint64
		if v := checkpoints.Get([]byte(p.Name())); v != nil {
			cp = binary.BigEndian.Uint64(v)
		}
		if cp != r.checkpoints[i] {
			return fmt.Errorf("projections: %s: checkpoint %d in the file, %d in memory: two runners on one file?", p.Name(), cp, r.checkpoints[i])
		}
		behind, ps = append(behind, i), append(ps, p)
	}
	bs := beginBatches(tx, ps...)
	defer bs.end()
	for n, e := range events {
		for k, i := range behind {
			if e.Position <= r.checkpoints[i] {
				continue // applied before this projection's checkpoint
			}
			p := ps[k]
			r.applying = p.Name()
			if err := applyOne(tx, p, e, prepared[i], n); err != nil {
				return fmt.Errorf("projections: %s: event %d (%s): %w", p.Name(), e.Position, e.Type, err)
			}
		}
	}
	r.applying = ""
	if err := bs.flush(tx); err != nil {
		return err
	}
	cp := binary.BigEndian.AppendUint64(nil, last)
	for _, p := range ps {
		if err := checkpoints.Put([]byte(p.Name()), cp); err != nil {
			return err
		}
	}
	if last >= r.highest() { // the highest checkpoint moves to last (runner_stream.go)
		return putMark(tx, events[len(events)-1])
	}
	return nil
}

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

// lowName names the first projection holding the lowest checkpoint (for a GapError).
func (r *Runner) lowName() string {
	for i, cp := range r.checkpoints {
		if cp == r.low {
			return r.projections[i].Name()
		}
	}
	return HandlerName
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
