package eventstore

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"go.opentelemetry.io/otel/trace"
)

// The commit pipeline. Every append goes through these steps, each group of appends together:
//
//  1. prepare (Options.Prepare): what the group's events need durable before they are — ledgerd
//     commits the new customers' data keys — while the group before is committing;
//  2. commit: the log's transaction and fsync; the events are durable;
//  3. (a stage that waits for the group to be replicated would go here);
//  4. apply (Options.Applier): the group's events applied to what is derived from them —
//     ledgerd's read models — from the events as their appenders decided them (Event.Decided);
//  5. answer: every append of the group, the refused ones too, is answered.
//
// Without an Applier an append is answered once it is durable.

// Applier applies the log's events to what is derived from them, as the commit pipeline's last
// stage before the answer (ledgerd: the read models, projections.Runner).
type Applier interface {
	// Apply makes the applier hold every event of the log up to position upTo and returns once it
	// does. events are the last of those events, as the group commit just stored them, each with
	// what its appender decided (Event.Decided) — possibly none, and possibly fewer than the
	// applier lacks: it reads the others from log (a catch-up after start, or when it fell
	// behind). The store calls Apply on one goroutine, in log order, and once after Open with no
	// events so the applier catches up with the log. ctx ends when the store closes: an applier
	// that cannot make progress (a full disk) gives up then. An error fails the appends waiting
	// for it (they are stored; the error matches ErrNotApplied).
	Apply(ctx context.Context, log Reader, upTo uint64, events []Event) error
}

// Reader reads the log's events in position order (Store implements it).
type Reader interface {
	// ReadAll returns up to limit events in position order from position from.
	ReadAll(ctx context.Context, from uint64, limit int) ([]Event, error)
}

// ErrNotApplied: the append's outcome is durable (the events are stored, or the refusal is
// final), but the stages after the commit — the read models — have not applied it yet, because
// the caller stopped waiting or the applier failed. See NotAppliedError.
var ErrNotApplied = errors.New("eventstore: stored, but not yet applied by the read models")

// NotAppliedError reports an append that is durable but not yet through the pipeline's later
// stages.
type NotAppliedError struct {
	Position uint64 // the append's last event (0 for a refused append)
	Err      error  // why: the caller's context ended, or the applier's error
}

func (e *NotAppliedError) Error() string {
	if e.Position == 0 {
		return fmt.Sprintf("%v: %v", ErrNotApplied, e.Err)
	}
	return fmt.Sprintf("%v (position %d): %v", ErrNotApplied, e.Position, e.Err)
}

// Is makes errors.Is(err, ErrNotApplied) true.
func (e *NotAppliedError) Is(target error) bool { return target == ErrNotApplied }

// Unwrap returns the cause.
func (e *NotAppliedError) Unwrap() error { return e.Err }

// group is one group commit on its way through the pipeline.
type group struct {
	ops    []*appendOp
	err    error   // the group failed (preparation or transaction): nothing of it was written
	events []Event // the events it stored, in log order
	head   uint64  // the log's head after its commit
	// dropped: its events were let go while the applier was behind; it reads them from the log.
	dropped bool
	span    trace.Span // tracing.NoSpan unless one of its appends is recorded (trace.go)
}

// maxHeldEvents bounds the events the pipeline keeps for an applier that is behind (a full disk
// under the read models): beyond it, the queued groups' events are dropped and the applier reads
// them from the log when it can apply again.
var maxHeldEvents = 16 << 10

// applyQueue holds the committed groups waiting for the applier.
type applyQueue struct {
	mu     sync.Mutex
	groups []*group
	held   int           // events held by groups
	ready  chan struct{} // signalled (never blocking) when a group is queued
}

// committed hands a group on after its commit: a failed group's appends are answered at once;
// the others' outcomes are published and the group goes to the applier, or, without one, is
// answered.
func (s *Store) committed(g *group) {
	if g.err != nil {
		for _, op := range g.ops {
			op.res, op.err = AppendResult{}, g.err
			close(op.committed)
			close(op.answered)
		}
		g.endGroup(g.err)
		s.applyQ.signal() // an applier waiting for this commit goes on
		return
	}
	for _, op := range g.ops {
		close(op.committed)
	}
	if s.opts.Applier == nil {
		s.setApplied(g.head)
		for _, op := range g.ops {
			close(op.answered)
		}
		g.endGroup(nil)
		return
	}
	q := &s.applyQ
	q.mu.Lock()
	q.held += len(g.events)
	if q.held > maxHeldEvents {
		for _, queued := range q.groups {
			queued.events, queued.dropped = nil, true
		}
		q.held = len(g.events)
	}
	q.groups = append(q.groups, g)
	q.mu.Unlock()
	q.signal()
}

// signal wakes the applier (never blocking; at most one wake-up pending).
func (q *applyQueue) signal() {
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

// take returns the groups queued and empties the queue.
func (q *applyQueue) take() []*group {
	q.mu.Lock()
	defer q.mu.Unlock()
	groups := q.groups
	q.groups, q.held = nil, 0
	return groups
}

// applier is the goroutine of the pipeline's apply stage: it catches the Applier up with the log
// as it was at open (head), then applies the committed groups, every group waiting at once, and
// answers their appends. (Loading the head here instead raced with the first appends: a group
// committed before the goroutine ran reached the Applier read back from the log, without what
// its appender decided.)
func (s *Store) applier(ctx context.Context, head uint64) {
	defer close(s.applierDone)
	if err := s.opts.Applier.Apply(ctx, s, head, nil); err == nil {
		s.setApplied(head)
	}
	q := &s.applyQ
	for {
		groups := q.take()
		if len(groups) > 0 && s.committing.Load() {
			// A commit is in flight: its group joins this transaction of the read models, which
			// then cost one transaction for two groups (a third of a create's read-model cost is
			// its transaction's commit), for at most one commit's wait. Without a commit in
			// flight (a lone writer) nothing waits.
			select {
			case <-q.ready:
			case <-s.writerDone:
			}
			groups = append(groups, q.take()...)
		}
		if len(groups) == 0 {
			select {
			case <-q.ready:
				continue
			case <-s.writerDone:
				q.mu.Lock()
				empty := len(q.groups) == 0
				q.mu.Unlock()
				if empty {
					return
				}
				continue
			}
		}
		upTo := groups[len(groups)-1].head
		// The events held, as one run ending at upTo: those of the groups after the last one whose
		// events were dropped.
		var events []Event
		for _, g := range groups {
			if g.dropped {
				events = events[:0]
			}
			events = append(events, g.events...)
		}
		actx, span := traceApply(ctx, groups, len(events)) // trace.go
		err := s.opts.Applier.Apply(actx, s, upTo, events)
		endApply(span, groups, err)
		if err == nil {
			s.setApplied(upTo)
		} else {
			err = &NotAppliedError{Err: err}
		}
		for _, g := range groups {
			for _, op := range g.ops {
				op.applyErr = err
				close(op.answered)
			}
		}
	}
}

// setApplied records that everything up to pos is through the pipeline and wakes Await.
func (s *Store) setApplied(pos uint64) {
	s.appliedMu.Lock()
	if pos > s.applied {
		s.applied = pos
		close(s.appliedWake)
		s.appliedWake = make(chan struct{})
	}
	s.appliedMu.Unlock()
}

// Await returns once every event up to position pos is through the commit pipeline — durable
// and applied by the Applier (ledgerd: readable in the read models) — or ctx ends (an error
// matching ErrNotApplied) or the store closes (ErrClosed). A command that decides without
// appending (it changes nothing, or is refused) awaits the last event it was decided against
// before it answers, as an append awaits its own.
func (s *Store) Await(ctx context.Context, pos uint64) error {
	for {
		s.appliedMu.Lock()
		applied, wake := s.applied, s.appliedWake
		s.appliedMu.Unlock()
		if applied >= pos {
			return nil
		}
		select {
		case <-wake:
		case <-ctx.Done():
			return &NotAppliedError{Position: pos, Err: ctx.Err()}
		case <-s.applierDone:
			return ErrClosed
		}
	}
}
