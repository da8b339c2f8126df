package personal

import (
	"context"
	"errors"
	"time"
)

// ErrKeyNotYet: a key source that is handed its keys from elsewhere — a reader replica's key
// bus — does not hold the subject's key yet, and the caller's wait for it (WithKeyWait) is over.
// The key may still come: the answer to a client is "retry", never an error of the data.
var ErrKeyNotYet = errors.New("personal: the data key has not reached this replica yet")

type keyWaitKey struct{}

// WithKeyWait bounds how long a key source waiting for a key it does not hold yet waits on
// behalf of ctx: a read answering a client, which must be answered. Without it a key source
// waits until ctx ends — a projection applying an event, whose key was made before the event
// and is on its way.
func WithKeyWait(ctx context.Context, d time.Duration) context.Context {
	return context.WithValue(ctx, keyWaitKey{}, d)
}

// KeyWait returns the wait WithKeyWait set on ctx.
func KeyWait(ctx context.Context) (time.Duration, bool) {
	d, ok := ctx.Value(keyWaitKey{}).(time.Duration)
	return d, ok
}
