package projections

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/nordledger/ledger/eventstore"
	bolt "go.etcd.io/bbolt"
)

// Event is a stored event as the projections see it.
type Event = eventstore.Event

// Source delivers the log's events in position order from a position.
type Source interface {
	Subscribe(ctx context.Context, from uint64) *eventstore.Subscription
}

// maxBatch is the most events applied in one transaction.
const maxBatch = 2048

// Runner feeds events from a source to projections, one transaction per batch of events.
type Runner struct {
	db          *DB
	projections []Projection
	log         *slog.Logger

	position atomic.Uint64 // every projection has applied at least this position
	mu       sync.Mutex
	wake     chan struct{} // closed when position advances
	failed   atomic.Pointer[error]
}

// NewRunner prepares the projections (rebuilding those whose code version changed).
func NewRunner(db *DB, log *slog.Logger, ps ...Projection) (*Runner, error) {
	if log == nil {
		log = slog.Default()
	}
	r := &Runner{db: db, projections: ps, log: log, wake: make(chan struct{})}
	return r, nil
}

// Run applies events from src until ctx ends. It returns nil when ctx ends and an error when a
// projection cannot apply an event (the runner then stops; WaitFor reports that error).
func (r *Runner) Run(ctx context.Context, src Source) error {
	cps, err := r.db.prepare(r.projections)
	if err != nil {
		return r.fail(fmt.Errorf("projections: prepare: %w", err))
	}
	from := uint64(0)
	for i, p := range r.projections {
		if cp := cps[p.Name()]; i == 0 || cp < from {
			from = cp
		}
	}
	r.advance(from)
	if from == 0 {
		r.log.Info("projections: building from the start of the log")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sub := src.Subscribe(ctx, from+1)
	batch := make([]Event, 0, maxBatch)
	for {
		e, ok := <-sub.C
		if !ok {
			if err := sub.Err(); err != nil && !errors.Is(err, eventstore.ErrClosed) {
				return r.fail(fmt.Errorf("projections: source: %w", err))
			}
			return nil
		}
		batch = append(batch[:0], e)
	drain:
		for len(batch) < maxBatch {
			select {
			case e, ok := <-sub.C:
				if !ok {
					break drain
				}
				batch = append(batch, e)
			default:
				break drain
			}
		}
		if err := r.apply(batch, cps); err != nil {
			return r.fail(err)
		}
		r.advance(batch[len(batch)-1].Position)
	}
}

// apply applies a batch to every projection in one transaction, skipping events at or below each
// projection's checkpoint, and moves the checkpoints.
func (r *Runner) apply(batch []Event, cps map[string]uint64) error {
	last := batch[len(batch)-1].Position
	err := r.db.db.Update(func(tx *bolt.Tx) error {
		checkpoints := tx.Bucket(bucketCheckpoints)
		for _, p := range r.projections {
			cp := cps[p.Name()]
			for _, e := range batch {
				if e.Position <= cp {
					continue
				}
				if err := p.Apply(tx, e); err != nil {
					return fmt.Errorf("projections: %s: event %d (%s): %w", p.Name(), e.Position, e.Type, err)
				}
			}
			if last > cp {
				if err := checkpoints.Put([]byte(p.Name()), binary.BigEndian.AppendUint64(nil, last)); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, p := range r.projections {
		if last > cps[p.Name()] {
			cps[p.Name()] = last
		}
	}
	return nil
}

func (r *Runner) advance(pos uint64) {
	r.position.Store(pos)
	r.wakeWaiters()
}

func (r *Runner) fail(err error) error {
	r.failed.Store(&err)
	r.log.Error("projections stopped", "err", err)
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
