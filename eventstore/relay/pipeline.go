package relay

import (
	"context"
	"errors"
	"fmt"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/nats-io/nats.go"
	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/eventstore/wire"
	"go.opentelemetry.io/otel/trace"
)

// sender sends a batch of events and returns its pending result; AsyncPublisher is one.
type sender interface {
	SendEvents(ctx context.Context, stream string, events []eventstore.Event) (*Pending, error)
}

// syncSender adapts a plain message.Publisher: it publishes the messages of wire.NewMessage, and
// SendEvents returns after Publish, so one batch is in flight at a time.
type syncSender struct{ pub message.Publisher }

func (s syncSender) SendEvents(ctx context.Context, stream string, events []eventstore.Event) (*Pending, error) {
	msgs := make([]*message.Message, len(events))
	for i, e := range events {
		m, err := wire.NewMessage(e)
		if err != nil {
			return nil, err
		}
		if stream != "" {
			m.Metadata.Set(wire.HeaderExpectedStream, stream)
		}
		m.SetContext(ctx)
		msgs[i] = m
	}
	p := &Pending{done: make(chan struct{}), err: s.pub.Publish("", msgs...)}
	close(p.done)
	return p, nil
}

// inFlight is a batch sent and not yet settled.
type inFlight struct {
	last    uint64 // position of its last event
	n       int
	pending *Pending
	spans   []trace.Span // its events' SpanPublish, when the relay records spans (trace.go)
}

// publishFrom follows the log from cursor+1 and keeps up to MaxInFlight events in flight: events
// are sent as soon as they are read (each receive drains what is ready into one batch), and the
// cursor moves past a batch once it and every batch before it are acknowledged. It returns nil
// when ctx ends or the log closes (after settling the batches in flight), else the error that
// ended it: errReconnected once the connection reconnected (back) and every batch sent before is
// settled, so that Run reconciles with a server that may have come back without what it
// acknowledged, even when nothing more is written to the log.
func (r *Relay) publishFrom(ctx context.Context, snd sender, cursor uint64, b *backoff, back <-chan nats.Status) error {
	subCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	sub := r.cfg.Log.Subscribe(subCtx, cursor+1)
	msgCtx := context.WithoutCancel(ctx) // a stopping relay still collects the acks in flight
	var queue []inFlight
	sent := 0          // events in queue
	next := cursor + 1 // next position to send
	events := make([]eventstore.Event, 0, r.cfg.MaxInFlight)

	defer func() { // batches still in flight when publishing stops: their spans end unsettled
		for _, f := range queue {
			endPublish(f.spans, errUnsettled)
		}
	}()
	settle := func(f inFlight) error {
		endPublish(f.spans, f.pending.Err()) // trace.go
		f.spans = nil
		if err := f.pending.Err(); err != nil {
			if errors.Is(err, ErrUnexpectedSequence) {
				head, _ := r.cfg.Log.Head(ctx)
				return &ConflictError{Kind: ErrForeignMessage, Stream: r.cfg.Stream, Sequence: r.cursor.Load(), LogHead: head,
					Detail: "an event id is already stored at another sequence: " + err.Error()}
			}
			return err
		}
		r.setCursor(f.last)
		r.setError(nil)
		b.reset()
		return nil
	}
	// finish settles every batch in flight, for an orderly stop.
	finish := func() {
		for len(queue) > 0 {
			f := queue[0]
			queue = queue[1:]
			if settle(f) != nil {
				return
			}
		}
	}

	recheck := false // the connection reconnected: reconcile once the queue is settled
	for {
		if ctx.Err() != nil {
			finish()
			return nil
		}
		if recheck && len(queue) == 0 {
			return errReconnected
		}
		var in <-chan eventstore.Event
		if sent < r.cfg.MaxInFlight {
			in = sub.C
		}
		var acked <-chan struct{}
		if len(queue) > 0 {
			acked = queue[0].pending.Done()
		}
		select {
		case <-ctx.Done():
			continue
		case <-back:
			recheck = true
			continue
		case <-acked:
			f := queue[0]
			queue = queue[1:]
			sent -= f.n
			if err := settle(f); err != nil {
				return err
			}
			continue
		case e, ok := <-in:
			if !ok {
				finish()
				if err := sub.Err(); err != nil && !errors.Is(err, eventstore.ErrClosed) {
					return fmt.Errorf("%w: %w", errLog, err)
				}
				if ctx.Err() == nil {
					r.log.Info("relay: log closed")
				}
				return nil
			}
			events = append(events[:0], e)
		}
	drain:
		for sent+len(events) < r.cfg.MaxInFlight {
			select {
			case e, ok := <-sub.C:
				if !ok {
					break drain // the next receive reports why
				}
				events = append(events, e)
			default:
				break drain
			}
		}
		for i, e := range events {
			if want := next + uint64(i); e.Position != want {
				return fmt.Errorf("%w: log delivered position %d, want %d", errLog, e.Position, want)
			}
		}
		spans := r.startPublish(msgCtx, events) // trace.go
		pending, err := snd.SendEvents(msgCtx, r.cfg.Stream, events)
		if err != nil {
			endPublish(spans, err)
			return err
		}
		next += uint64(len(events))
		queue = append(queue, inFlight{last: next - 1, n: len(events), pending: pending, spans: spans})
		sent += len(events)
	}
}
