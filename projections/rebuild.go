package projections

import (
	"context"
	"encoding/binary"
	"fmt"

	"github.com/nordledger/ledger/eventstore"
	bolt "go.etcd.io/bbolt"
)

// Log is the event log a rebuild or a catch-up reads: *eventstore.Store implements it.
type Log = eventstore.Reader

// preparer is a Projection that can do the part of applying an event that needs no transaction
// — decoding it, opening its sealed data, encoding what is stored of it — apart from Apply:
// Rebuild prepares the events of the next read in a second goroutine while the current one's
// transaction applies. prepare must depend on nothing Apply changes (only on the event and on
// what the projection was built with), so that applying a prepared event stores exactly what
// Apply stores.
type preparer interface {
	Projection
	// prepare returns what applyPrepared needs of e; it may run concurrently with
	// applyPrepared of earlier events (never with another prepare).
	prepare(e Event) any
	// applyPrepared applies e, with prepared the result of prepare(e), like Apply(tx, e).
	applyPrepared(tx *bolt.Tx, e Event, prepared any) error
}

// readPreparer is a preparer that does something once for all the events of a read before it
// prepares each (the customers load the read's data keys in one go). It must change nothing
// prepare returns, only what preparing costs.
type readPreparer interface {
	preparer
	prepareRead(events []Event)
}

// Rebuild drops the read models of ps in db and builds them again from the log's events 1 to
// upTo: each read of eventstore.MaxReadLimit events is applied in one transaction, with the
// projections' checkpoints and code versions, so ledgerd's runner later resumes after upTo.
// progress, when set, is called after each transaction with the position reached. Rebuild is for
// files no runner is running on (offline rebuilds, and the fresh copy verify compares with). A
// log that skips a position, or ends before upTo, fails the rebuild with a *GapError.
//
// The next read is read and prepared (decoded, opened) in a second goroutine while a transaction
// applies the current one; the goroutine has ended when Rebuild returns.
func Rebuild(ctx context.Context, db *DB, log Log, upTo uint64, progress func(position uint64), ps ...Projection) error {
	if db.readOnly {
		return fmt.Errorf("projections: rebuild: the file is open read-only")
	}
	err := db.db.Update(func(tx *bolt.Tx) error {
		for _, p := range ps {
			if err := reset(tx, p); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("projections: rebuild: %w", err)
	}
	reads := readAhead(ctx, log, 1, upTo, ps)
	defer reads.stop()
	for next := uint64(1); next <= upTo; {
		if err := ctx.Err(); err != nil {
			return err
		}
		r, ok := <-reads.c
		if !ok || r.err != nil {
			if err := ctx.Err(); err != nil {
				return err // cancelled: the reader may have ended without a read
			}
			return r.err
		}
		events := r.events
		if len(events) == 0 {
			return &GapError{Projection: ps[0].Name(), Checkpoint: next - 1, Position: upTo + 1}
		}
		err = db.db.Update(func(tx *bolt.Tx) error {
			bs := beginBatches(tx, ps...)
			defer bs.end()
			for i, e := range events {
				if e.Position != next {
					return &GapError{Projection: ps[0].Name(), Checkpoint: next - 1, Position: e.Position}
				}
				for j, p := range ps {
					if err := applyOne(tx, p, e, r.prepared[j], i); err != nil {
						return fmt.Errorf("projections: %s: event %d (%s): %w", p.Name(), e.Position, e.Type, err)
					}
				}
				next++
			}
			if err := bs.flush(tx); err != nil {
				return err
			}
			cp := binary.BigEndian.AppendUint64(nil, next-1)
			for _, p := range ps {
				if err := tx.Bucket(bucketCheckpoints).Put([]byte(p.Name()), cp); err != nil {
					return err
				}
			}
			return putMark(tx, events[len(events)-1]) // runner_stream.go
		})
		if err != nil {
			return err
		}
		if progress != nil {
			progress(next - 1)
		}
	}
	return nil
}

// preparedRead is one read of the log with its events prepared: prepared[j][i] is projection
// j's preparation of events[i] (prepared[j] is nil when projection j is no preparer).
type preparedRead struct {
	events   []Event
	prepared [][]any
	err      error
}

// reader delivers the prepared reads of a goroutine started by readAhead.
type reader struct {
	c      chan preparedRead
	cancel context.CancelFunc
}

// readAhead reads the log's events from to upTo, eventstore.MaxReadLimit at a time, and prepares
// them for ps in a goroutine, one read ahead of its receiver. A failed or empty read is the last
// one delivered. The caller must call stop.
func readAhead(ctx context.Context, log Log, from, upTo uint64, ps []Projection) *reader {
	ctx, cancel := context.WithCancel(ctx)
	r := &reader{c: make(chan preparedRead, 1), cancel: cancel}
	go func() {
		defer close(r.c)
		for next := from; next <= upTo; {
			if ctx.Err() != nil {
				return // stopped (a send below may have gone to stop's draining)
			}
			var read preparedRead
			events, err := log.ReadAll(ctx, next, int(min(upTo-next+1, eventstore.MaxReadLimit)))
			if err != nil {
				read.err = fmt.Errorf("projections: rebuild: reading the log at position %d: %w", next, err)
			} else {
				read.events = events
				read.prepared = prepareAll(ps, events)
			}
			select {
			case r.c <- read:
			case <-ctx.Done():
				return
			}
			if read.err != nil || len(events) == 0 {
				return
			}
			next += uint64(len(events))
		}
	}()
	return r
}

// prepareAll prepares events for each projection of ps that is a preparer: prepared[j][i] is
// ps[j]'s preparation of events[i] (prepared[j] is nil for a projection that prepares nothing).
func prepareAll(ps []Projection, events []Event) [][]any {
	prepared := make([][]any, len(ps))
	for j, p := range ps {
		pp, ok := p.(preparer)
		if !ok {
			continue
		}
		if rp, ok := p.(readPreparer); ok {
			rp.prepareRead(events)
		}
		prepared[j] = make([]any, len(events))
		for i, e := range events {
			prepared[j][i] = pp.prepare(e)
		}
	}
	return prepared
}

// applyOne applies events[i], e, to p: with its preparation when p prepared it (prepared is p's
// preparations of the events), else with Apply.
func applyOne(tx *bolt.Tx, p Projection, e Event, prepared []any, i int) error {
	if prepared != nil {
		return p.(preparer).applyPrepared(tx, e, prepared[i])
	}
	return p.Apply(tx, e)
}

// stop ends the reading goroutine and waits until it has ended.
func (r *reader) stop() {
	r.cancel()
	for range r.c {
	}
}

// indexHolder is a projection that holds an index of its buckets in memory: it reads it when its
// runner starts (or at its first use), and again after a transaction that replaced the buckets
// (reset, CopyProjection) commits.
type indexHolder interface {
	loadIndexes() error
	reloadIndexes(tx *bolt.Tx)
	// dropIndexes forgets the index after a commit failed: bbolt writes a transaction's meta page
	// before the fsync that may fail, and then counts the transaction as committed (it reads its
	// meta from the file) though its commit handlers never ran — what the file holds is not
	// certain, so the index is read again from it at its next use.
	dropIndexes()
}

// dropIndexes implements indexHolder's dropIndexes for every projection that holds an index.
func (r *Runner) dropIndexes() {
	for _, p := range r.projections {
		if h, ok := p.(indexHolder); ok {
			h.dropIndexes()
		}
	}
}

// reset drops p's read model and checkpoint and records its code version, leaving empty buckets.
func reset(tx *bolt.Tx, p Projection) error {
	if h, ok := p.(indexHolder); ok {
		h.reloadIndexes(tx)
	}
	for _, b := range p.Buckets() {
		if tx.Bucket(b) != nil {
			if err := tx.DeleteBucket(b); err != nil {
				return err
			}
		}
		if _, err := tx.CreateBucket(b); err != nil {
			return err
		}
	}
	name := []byte(p.Name())
	if err := tx.Bucket(bucketCheckpoints).Delete(name); err != nil {
		return err
	}
	return tx.Bucket(bucketVersions).Put(name, binary.BigEndian.AppendUint32(nil, p.Version()))
}
