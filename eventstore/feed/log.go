package feed

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/eventstore/relay"
	"github.com/nordledger/ledger/projections"
)

// Log feeds projections from the local event log.
type Log struct {
	store *eventstore.Store
	log   *slog.Logger
}

// NewLog returns a feed over store. log receives the reason a subscription ended early.
func NewLog(store *eventstore.Store, log *slog.Logger) *Log {
	if log == nil {
		log = slog.Default()
	}
	return &Log{store: store, log: log}
}

// Subscriber returns a subscriber delivering the events after checkpoint() to the handler called
// name, and the topic to subscribe to (the subjects of the stream; the local log has no other).
func (l *Log) Subscriber(name string, checkpoint func() uint64) (message.Subscriber, string, error) {
	return &logSubscriber{store: l.store, checkpoint: checkpoint, log: l.log.With("handler", name), closers: newClosers()}, relay.StreamSubjects, nil
}

type logSubscriber struct {
	store      *eventstore.Store
	checkpoint func() uint64
	log        *slog.Logger
	*closers
}

// Subscribe implements message.Subscriber: it follows the log from the checkpoint until ctx ends,
// the subscriber is closed or the store is closed, then closes the channel.
func (s *logSubscriber) Subscribe(ctx context.Context, _ string) (<-chan *message.Message, error) {
	ctx, done, err := s.start(ctx)
	if err != nil {
		return nil, err
	}
	out := make(chan *message.Message)
	sub := s.store.Subscribe(ctx, s.checkpoint()+1)
	go func() {
		defer done()
		defer close(out)
		e, ok := <-sub.C
		for ok {
			// Look one event ahead: a message is marked "more" only when the next one is in hand.
			var next eventstore.Event
			var more bool
			select {
			case next, more = <-sub.C:
			default:
			}
			msg, err := relay.NewMessage(e)
			if err != nil {
				s.log.Error("feed: event cannot be delivered", "position", e.Position, "err", err)
				return
			}
			if more {
				msg.Metadata.Set(projections.MetadataMore, "1")
			}
			if !deliver(ctx, out, msg) {
				return
			}
			if e, ok = next, more; !ok {
				e, ok = <-sub.C
			}
		}
		if err := sub.Err(); err != nil && !errors.Is(err, eventstore.ErrClosed) && ctx.Err() == nil {
			s.log.Error("feed: the log subscription ended", "err", err)
		}
	}()
	return out, nil
}

// deliver sends msg and waits for its ack, sending a copy again after every nack. It returns false
// when ctx ended first.
func deliver(ctx context.Context, out chan<- *message.Message, msg *message.Message) bool {
	for {
		m := msg.Copy()
		m.SetContext(ctx)
		select {
		case out <- m:
		case <-ctx.Done():
			return false
		}
		select {
		case <-m.Acked():
			return true
		case <-m.Nacked():
		case <-ctx.Done():
			return false
		}
		if !sleep(ctx, nackDelay) {
			return false
		}
	}
}

// sleep waits d or until ctx ends; it returns false when ctx ended.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// closers cancels a subscriber's subscriptions on Close and waits for them to end.
type closers struct {
	mu     sync.Mutex
	closed bool
	cancel []context.CancelFunc
	wg     sync.WaitGroup
}

func newClosers() *closers { return &closers{} }

// errClosed is returned by Subscribe after Close.
var errClosed = errors.New("feed: subscriber closed")

// start registers a subscription: its context ends on Close; done must be called when it ends.
func (c *closers) start(ctx context.Context) (context.Context, func(), error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, nil, errClosed
	}
	ctx, cancel := context.WithCancel(ctx)
	c.cancel = append(c.cancel, cancel)
	c.wg.Add(1)
	return ctx, func() { cancel(); c.wg.Done() }, nil
}

// Close ends every subscription and waits for their goroutines. It may be called more than once.
func (c *closers) Close() error {
	c.mu.Lock()
	c.closed = true
	for _, cancel := range c.cancel {
		cancel()
	}
	c.cancel = nil
	c.mu.Unlock()
	c.wg.Wait()
	return nil
}
