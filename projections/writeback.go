package projections

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/nordledger/ledger/eventstore"
	bolt "go.etcd.io/bbolt"
)

// Write-back: on the writer (Apply) the runner applies each group of the log's events into one
// open write transaction and returns at once; the transaction commits when a read needs what it
// holds (DB.view), when it is writeBackAge old or holds writeBackEvents events, when the runner
// must write directly (a catch-up), and before the file closes. A group's answer so describes a
// state every later read sees, and the read models' pages — the same last leaves of every index
// again and again — are written ten times a second instead of once a group (BENCHMARKS.md).
// Nothing is lost by a crash: the read models are derived data, and the runner applies the log
// again from the last committed checkpoints at the next start. (A commit holds the applier for
// as long as it takes: at a second's worth of events that was tens of milliseconds, the p99 of
// the writes rose by half; at 100 ms it is a few.)
//
// A reader replica (Run) commits every batch itself: its feed resumes from the checkpoints.
var (
	writeBackAge    = 100 * time.Millisecond // a variable for tests (export_test.go)
	writeBackEvents = 16 * 1024
)

// writeBack is the open transaction and what the file holds. Held by applyMu, except dirty.
type writeBack struct {
	tx        *bolt.Tx  // open, holding applied events not committed yet; nil when none
	begun     time.Time // when tx began
	events    int       // events applied in tx
	committed []uint64  // per projection, the checkpoints the file holds (the last commit's)
	timer     *time.Timer
	retry     time.Duration     // the timer's wait before trying a failed commit again; 0: none failed
	source    eventstore.Reader // the log, to apply again what a failed commit lost
	closed    bool              // the file is closing: every later group commits at once
	// dirty is set while the read models hold applied events the file does not: an open tx, or
	// events a failed commit lost and the log must give again. Read without applyMu by DB.view.
	dirty atomic.Bool
	// fault, when set (tests), fails a write-back commit with its error instead of committing.
	fault func() error
	// overlaid is the last position applied in a write-back transaction while a projection kept
	// what it wrote for reads (overlay); 0 when none is kept.
	overlaid uint64
}

// overlay is a projection that keeps what it writes in the write-back transaction (DB.back) for
// reads that must see it before it commits and will not wait for the commit (Customers: a
// customer by key, which every GET, PATCH and PUT reads). The runner drops what it keeps once
// the file holds it.
type overlay interface {
	publishOverlay() // the group applied: what it wrote is seen
	discardOverlay() // the group failed: what it wrote is not
	dropOverlay()    // the file holds everything kept
}

// committed records that the file holds the events up to r.low: what the projections kept of the
// write-back transactions is dropped once it holds everything they kept. r.applyMu is held.
func (r *Runner) committed() {
	if r.low >= r.position.Load() { // not while a failed commit's events are applied again
		r.writeErr.Store(nil)
	}
	copy(r.wb.committed, r.checkpoints)
	if r.wb.overlaid != 0 && r.low >= r.wb.overlaid {
		r.dropOverlays()
	}
}

func (r *Runner) dropOverlays() {
	for _, p := range r.projections {
		if o, ok := p.(overlay); ok {
			o.dropOverlay()
		}
	}
	r.wb.overlaid = 0
}

// applyBack applies events — which must follow the lowest checkpoint without a gap — into the
// open write transaction (beginning one), moves the checkpoints and wakes the waiters; the
// transaction commits later (writeBack). r.applyMu is held.
func (r *Runner) applyBack(ctx context.Context, log eventstore.Reader, events []Event) error {
	if err := checkRun(r, events); err != nil {
		return err
	}
	wb := &r.wb
	wb.source = log
	if wb.closed {
		return r.commit(ctx, events, nil)
	}
	prepared := prepareAll(r.projections, events)
	if wb.tx == nil {
		tx, err := r.db.db.Begin(true)
		if err != nil {
			return err
		}
		wb.tx, wb.begun, wb.events = tx, time.Now(), 0
		wb.dirty.Store(true)
		r.db.back.Store(tx)
	}
	last := events[len(events)-1].Position
	err := r.apply(wb.tx, events, prepared, last)
	for _, p := range r.projections {
		if o, ok := p.(overlay); ok {
			if err == nil {
				o.publishOverlay()
			} else {
				o.discardOverlay()
			}
		}
	}
	if err != nil {
		// The transaction is dropped, and the runner stops (Apply). The groups it held before
		// these events were answered: they are applied again from the log first, so that the
		// file holds every answered state, as when each group committed alone.
		r.db.back.Store(nil)
		_ = wb.tx.Rollback()
		wb.tx = nil
		copy(r.checkpoints, wb.committed)
		r.low = lowest(r.checkpoints)
		if cerr := r.catchUp(ctx, log, events[0].Position-1); cerr != nil {
			r.log.Warn("projections: the events applied before a failed one could not be applied again; the next start applies them",
				"err", cerr)
			return err // what the projections kept of them still answers the customer reads
		}
		r.dropOverlays()
		return err
	}
	wb.overlaid = last
	r.moveCheckpoints(last)
	wb.events += len(events)
	if wb.events >= writeBackEvents || time.Since(wb.begun) >= writeBackAge {
		return r.commitBack(ctx, true)
	}
	if wb.timer == nil {
		wb.timer = time.AfterFunc(writeBackAge, r.flushAged)
	} else if wb.events == len(events) { // the first group of this transaction
		wb.timer.Reset(writeBackAge)
	}
	return nil
}

// commitBack commits the open write transaction. Should the commit fail (bbolt then rolls the
// transaction back), what it held is applied again from the log with direct commits, tried again
// until they are written or ctx ends — unless again is false: then the next flush or group does
// it. r.applyMu is held.
func (r *Runner) commitBack(ctx context.Context, again bool) error {
	wb := &r.wb
	var failed error // the commit's
	if wb.tx != nil {
		tx := wb.tx
		wb.tx = nil
		r.db.back.Store(nil)
		var err error
		if wb.fault != nil {
			if err = wb.fault(); err != nil {
				_ = tx.Rollback() // as bbolt does when a commit fails
			}
		}
		if err == nil {
			err = tx.Commit()
		}
		if err == nil {
			r.committed()
			wb.dirty.Store(false)
			return nil
		}
		r.writeErr.Store(&err)
		r.dropIndexes()
		r.log.Warn("projections: the read models cannot be written; applying their events again from the log",
			"position", r.low, "err", err)
		copy(r.checkpoints, wb.committed) // the positions stay: what they promise is applied again
		r.low = lowest(r.checkpoints)
		failed = &eventstore.NotAppliedError{Position: r.position.Load(), Err: err}
		if !again {
			return failed
		}
	}
	if pos := r.position.Load(); r.low < pos {
		err := errors.New("the log is not known yet")
		if wb.source != nil {
			err = r.catchUp(ctx, wb.source, pos)
		}
		switch {
		case err != nil && failed != nil:
			return fmt.Errorf("%w; applying its events again: %w", failed, err)
		case err != nil:
			return err
		}
	}
	wb.dirty.Store(false)
	return nil
}

// flush commits what the read models hold and the file does not (a read is about to look). It
// tries once: when the file cannot be written (a full disk) the read is answered at once that the
// read models lag (an error matching eventstore.ErrNotApplied), not held until space returns; the
// next group or the timer tries again.
func (r *Runner) flush(ctx context.Context) error {
	if !r.wb.dirty.Load() {
		return nil
	}
	if err := r.lockForRead(ctx); err != nil {
		return err
	}
	defer r.applyMu.Unlock()
	if r.Err() != nil && r.wb.tx == nil {
		if pos := r.position.Load(); r.low < pos { // stopped before the file held what was answered
			return &eventstore.NotAppliedError{Position: pos, Err: r.Err()}
		}
		return nil
	}
	err := r.tryOnce(ctx)
	if err != nil && !errors.Is(err, eventstore.ErrNotApplied) {
		err = &eventstore.NotAppliedError{Position: r.position.Load(), Err: err}
	}
	return err
}

// lockForRead takes applyMu for a read's flush, unless ctx ends first or the runner is trying a
// commit again (a full disk): then the read is answered that the read models lag, at once.
func (r *Runner) lockForRead(ctx context.Context) error {
	if r.applyMu.TryLock() {
		return nil
	}
	tick := time.NewTicker(10 * time.Millisecond) // how soon a stall that begins meanwhile is seen
	defer tick.Stop()
	for {
		if r.stalled.Load() {
			return &eventstore.NotAppliedError{Position: r.position.Load(), Err: errStalled}
		}
		select {
		case r.applyMu <- struct{}{}:
			return nil
		case <-ctx.Done():
			return &eventstore.NotAppliedError{Position: r.position.Load(), Err: ctx.Err()}
		case <-tick.C:
		}
	}
}

var errStalled = errors.New("the read models cannot be written at the moment")

// tryOnce commits what the read models hold and the file does not, trying each commit once.
// r.applyMu is held.
func (r *Runner) tryOnce(ctx context.Context) error {
	r.once = true
	defer func() { r.once = false }()
	return r.commitBack(ctx, true)
}

// applyLock is applyMu: a mutex a read's flush can stop waiting for (lockForRead).
type applyLock chan struct{}

func (l applyLock) Lock()   { l <- struct{}{} }
func (l applyLock) Unlock() { <-l }
func (l applyLock) TryLock() bool {
	select {
	case l <- struct{}{}:
		return true
	default:
		return false
	}
}

// flushAged commits the open transaction once it is writeBackAge old (the timer). It tries once;
// while the file cannot be written (a full disk) it tries again, from writeBackAge to every 2 s,
// until the file holds everything applied — with no write or read coming, nothing else would.
func (r *Runner) flushAged() {
	r.applyMu.Lock()
	defer r.applyMu.Unlock()
	wb := &r.wb
	if wb.closed || r.Err() != nil || !wb.dirty.Load() {
		return
	}
	if wb.tx != nil {
		if wait := writeBackAge - time.Since(wb.begun); wait > 0 {
			wb.timer.Reset(wait)
			return
		}
	}
	if err := r.tryOnce(context.Background()); err != nil {
		if wb.retry == 0 {
			r.log.Warn("projections: the read models could not be written; trying again", "err", err)
		}
		wb.retry = min(max(2*wb.retry, writeBackAge), 2*time.Second)
		wb.timer.Reset(wb.retry)
		return
	}
	if wb.retry != 0 {
		r.log.Info("projections: the read models are written again", "position", r.low)
		wb.retry = 0
	}
}

// commitOpen commits what the read models hold and the file does not, trying once (a driver
// stops).
func (r *Runner) commitOpen() error { return r.settleOnce(false) }

// ErrBehind: the projections file was closed without the last events the read models applied (it
// could not be written: a full disk). It is whole up to its checkpoints, and the next start
// applies the rest from the log.
var ErrBehind = errors.New("projections: the file was closed behind the read models; the next start applies the rest from the log")

// closeBack commits the open transaction, once, and makes every later group commit at once: the
// file is closing (DB.Close).
func (r *Runner) closeBack() error { return r.settleOnce(true) }

// settleOnce commits what the read models hold and the file does not, trying once; with closing,
// every later group commits at once and the timer stops.
func (r *Runner) settleOnce(closing bool) error {
	r.applyMu.Lock()
	defer r.applyMu.Unlock()
	if closing {
		r.wb.closed = true
		if r.wb.timer != nil {
			r.wb.timer.Stop()
		}
	}
	if !r.wb.dirty.Load() {
		return nil
	}
	return r.tryOnce(context.Background())
}

// Unwritten returns the error of the last commit of the read models when it failed and none has
// succeeded since (a full disk): the read models then lag, whatever their positions say.
func (r *Runner) Unwritten() error {
	if p := r.writeErr.Load(); p != nil {
		return *p
	}
	return nil
}
