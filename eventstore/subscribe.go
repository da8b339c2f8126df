package eventstore

import (
	"context"
	"errors"
	"sync"
)

// subscriptionBatch is how many events a subscription reads per transaction.
const subscriptionBatch = 256

// Subscription delivers the log's events in position order: first those already stored (catch-up),
// then each new one as it is committed. Receive from C until it is closed, then call Err.
type Subscription struct {
	// C delivers events. It is closed when the subscription ends.
	C <-chan Event

	mu  sync.Mutex
	err error
}

// Err reports why C was closed: nil after the context was cancelled, ErrClosed when the store was
// closed, or the read error that ended it. Call it after C is closed.
func (sub *Subscription) Err() error {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	return sub.err
}

// Subscribe follows the log from position from (1 for everything; head+1 for only new events) until
// ctx is cancelled or the store is closed. Waiting for new events costs nothing: the subscription
// is woken by commits. A slow reader only slows its own subscription.
func (s *Store) Subscribe(ctx context.Context, from uint64) *Subscription {
	c := make(chan Event, subscriptionBatch)
	sub := &Subscription{C: c}
	if from == 0 {
		from = 1
	}
	s.mu.Lock()
	if s.isClosing() {
		s.mu.Unlock()
		close(c)
		sub.err = ErrClosed
		return sub
	}
	s.subsWG.Add(1) // under mu, so never concurrent with Close's Wait
	s.mu.Unlock()
	go func() {
		defer s.subsWG.Done()
		defer close(c)
		err := s.follow(ctx, from, c)
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			err = nil
		}
		sub.mu.Lock()
		sub.err = err
		sub.mu.Unlock()
	}()
	return sub
}

func (s *Store) follow(ctx context.Context, next uint64, c chan<- Event) error {
	for {
		wake := s.wakeChan() // taken before reading, so a commit after the read is never missed
		events, err := s.ReadAll(ctx, next, subscriptionBatch)
		if err != nil {
			return err
		}
		for _, e := range events {
			select {
			case c <- e:
			case <-ctx.Done():
				return ctx.Err()
			case <-s.closing:
				return ErrClosed
			}
		}
		if len(events) > 0 {
			next = events[len(events)-1].Position + 1
			continue
		}
		select {
		case <-wake:
		case <-ctx.Done():
			return ctx.Err()
		case <-s.closing:
			return ErrClosed
		}
	}
}
