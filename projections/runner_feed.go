package projections

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/nordledger/ledger/eventstore/relay"
	"go.opentelemetry.io/otel/trace"
)

// The reader replica's driver: Run feeds the runner from a Feed (JetStream, package feed) through
// one Watermill handler. The writer's driver is Apply, the event log's commit pipeline.

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

// HandlerName is the name of the reader driver's one Watermill handler, which applies every
// projection, and of its feed subscriber.
const HandlerName = "projections"

// maxBatch is the most events a feed's handler applies in one transaction.
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
	h := &handler{r: r, ctx: ctx}
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

// handler is the reader driver's Watermill handler. Events the feed marks MetadataMore are kept
// in pending (up to maxBatch) and applied with the next ones in one transaction; the rest commit
// at once. Acknowledging a pending event before it is committed is safe: feeds start again from
// the lowest checkpoint, never from what was acknowledged. The router calls handle for one
// message at a time (the feed waits for each ack).
type handler struct {
	r       *Runner
	ctx     context.Context
	pending []Event      // low+1, low+2, ...
	spans   []trace.Span // the pending events' delivery spans (trace.go)
}

func (h *handler) handle(msg *message.Message) error {
	r := h.r
	if err := r.Err(); err != nil {
		return err // stopped: the router is closing
	}
	e, err := relay.EventFromMessage(msg)
	if err == nil {
		if s := msg.Metadata.Get(MetadataStreamSequence); s != "" && s != strconv.FormatUint(e.Position, 10) {
			err = fmt.Errorf("message at stream sequence %s carries log position %d: the stream was not written by the relay", s, e.Position)
		}
	}
	if err != nil {
		return r.fail(fmt.Errorf("projections: %w", err))
	}
	r.applyMu.Lock()
	defer r.applyMu.Unlock()
	switch last := r.low + uint64(len(h.pending)); {
	case e.Position <= r.low:
		return nil // every projection applied it before: a redelivery
	case e.Position <= last:
		h.pending, h.spans = h.pending[:0], h.spans[:0] // the feed started again from the checkpoint
		if e.Position != r.low+1 {
			return r.fail(&GapError{Projection: r.lowName(), Checkpoint: r.low, Position: e.Position})
		}
	case e.Position != last+1:
		if len(h.pending) > 0 { // keep what came before the gap
			if err := h.commit(); err != nil {
				return r.fail(err)
			}
		}
		return r.fail(&GapError{Projection: r.lowName(), Checkpoint: r.low, Position: e.Position})
	}
	h.pending = append(h.pending, e)
	h.spans = append(h.spans, trace.SpanFromContext(msg.Context()))
	if msg.Metadata.Get(MetadataMore) != "" && len(h.pending) < maxBatch {
		return nil
	}
	if err := h.commit(); err != nil {
		return r.fail(err)
	}
	return nil
}

// commit applies the pending events (Runner.commit). r.applyMu is held.
func (h *handler) commit() error {
	ctx, span := startBatchApply(h.ctx, h.spans) // trace.go
	err := h.r.commit(ctx, h.pending, nil)
	if span.IsRecording() {
		endApply(span, len(h.pending), h.pending[len(h.pending)-1].Position, err)
	}
	h.pending, h.spans = h.pending[:0], h.spans[:0]
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("projections: stopped while the read models could not be written: %w", err)
	}
	return err
}
