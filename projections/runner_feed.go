package projections

import (
	"context"
	"errors"
	"fmt"

	"go.opentelemetry.io/otel/trace"
)

// The reader replica's driver: Run feeds the runner from a Feed (package feed: JetStream). The
// writer's driver is Apply, the event log's commit pipeline.

// Feed delivers the log's events to a reader's projections, in log order (package feed has the
// JetStream feed).
type Feed interface {
	// Deliver calls apply with each event after checkpoint(), in log order, the next only once
	// apply returned nil, until ctx ends (it then returns nil) or the feed cannot go on (its
	// error). Whenever the feed starts again (after a failure, or when apply returned an error)
	// it calls checkpoint again and delivers the events after it. more reports that the feed
	// holds the next event already: apply may keep the event for a batch. name is stable (a
	// JetStream feed names its consumer after it).
	Deliver(ctx context.Context, name string, checkpoint func() uint64, apply func(ctx context.Context, e Event, more bool) error) error
}

// HandlerName is the name the reader driver gives its feed: the one subscription that applies
// every projection (a JetStream feed's consumer is "{readerId}_projections").
const HandlerName = "projections"

// maxBatch is the most events a feed's delivery applies in one transaction.
const maxBatch = 2048

// Run feeds the projections from feed until ctx ends (it then returns nil) or a projection fails
// (it returns that error; WaitFor reports it too). It is the reader replica's driver; a runner
// is fed by Run or by Apply, never both.
func (r *Runner) Run(ctx context.Context, feed Feed) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	r.mu.Lock()
	r.stop = cancel
	r.mu.Unlock()
	// r.position is the lowest checkpoint: the feed starts, and resumes, after it.
	d := &delivery{r: r, ctx: ctx}
	if err := feed.Deliver(ctx, HandlerName, r.position.Load, d.apply); err != nil {
		return r.fail(fmt.Errorf("projections: %w", err))
	}
	if err := r.Err(); err != nil {
		return err
	}
	if ctx.Err() == nil {
		return r.fail(errors.New("projections: the feed ended"))
	}
	return nil
}

// delivery applies a feed's events. Events the feed marks more are kept in pending (up to
// maxBatch) and applied with the next ones in one transaction; the rest commit at once.
// Returning for a pending event before it is committed is safe: feeds start again from the
// lowest checkpoint, never from what was delivered. The feed delivers one event at a time.
type delivery struct {
	r       *Runner
	ctx     context.Context
	pending []Event      // low+1, low+2, ...
	spans   []trace.Span // the pending events' delivery spans (trace.go)
}

// apply takes the feed's next event; ctx is the event's delivery (its span).
func (d *delivery) apply(ctx context.Context, e Event, more bool) error {
	r := d.r
	if err := r.Err(); err != nil {
		return err // stopped: the feed is closing
	}
	r.applyMu.Lock()
	defer r.applyMu.Unlock()
	switch last := r.low + uint64(len(d.pending)); {
	case e.Position <= r.low:
		return nil // every projection applied it before: a redelivery
	case e.Position <= last:
		d.pending, d.spans = d.pending[:0], d.spans[:0] // the feed started again from the checkpoint
		if e.Position != r.low+1 {
			return r.fail(&GapError{Projection: r.lowName(), Checkpoint: r.low, Position: e.Position})
		}
	case e.Position != last+1:
		if len(d.pending) > 0 { // keep what came before the gap
			if err := d.commit(); err != nil {
				return d.commitFailed(e, err)
			}
		}
		return r.fail(&GapError{Projection: r.lowName(), Checkpoint: r.low, Position: e.Position})
	}
	d.pending = append(d.pending, e)
	d.spans = append(d.spans, trace.SpanFromContext(ctx))
	if more && len(d.pending) < maxBatch {
		return nil
	}
	if err := d.commit(); err != nil {
		return d.commitFailed(e, err)
	}
	return nil
}

// commitFailed fails the runner with err, the error of committing the events up to e — unless
// the runner is stopping: then the commit failed because the process is closing under it (a
// reader waiting for a key the key bus, closing too, will not deliver). Nothing is lost or wrong
// — the feed starts again from the checkpoint — so the runner has not failed.
func (d *delivery) commitFailed(e Event, err error) error {
	if d.ctx.Err() != nil {
		d.r.log.Info("projections: stopped while applying; the next start applies from the checkpoint",
			"position", e.Position, "err", err)
		return nil
	}
	return d.r.fail(err)
}

// commit applies the pending events (Runner.commit). r.applyMu is held.
func (d *delivery) commit() error {
	ctx, span := startBatchApply(d.ctx, d.spans) // trace.go
	err := d.r.commit(ctx, d.pending, nil)
	if span.IsRecording() {
		endApply(span, len(d.pending), d.pending[len(d.pending)-1].Position, err)
	}
	d.pending, d.spans = d.pending[:0], d.spans[:0]
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("projections: stopped while the read models could not be written: %w", err)
	}
	return err
}
