package feed

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
)

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
