package main

// Waiting for something that will happen. A wait here has no fixed deadline of its own: on a
// loaded machine an awaited event may take long, and only its never coming is a failure. Every
// wait is bounded by the test binary's own deadline (go test -timeout) instead, ended a little
// before it so that an event that never comes fails the test with a message saying what was
// awaited and what was last seen — and the test's cleanups run — rather than the binary's panic.

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// pollInterval is how often a wait re-checks a condition it cannot be told of.
const pollInterval = 20 * time.Millisecond

// waitContext returns a context that ends a little before the test binary's deadline (a tenth of
// the time left, at least 5 s when that much is left), or never when there is none (-timeout 0).
// It bounds a wait for an event that must come. It does not end with the test (t.Context): a
// cleanup may wait too.
func waitContext(t testing.TB) (context.Context, context.CancelFunc) {
	ctx := context.Background()
	dt, ok := t.(interface{ Deadline() (time.Time, bool) })
	if !ok {
		return context.WithCancel(ctx)
	}
	d, ok := dt.Deadline()
	if !ok {
		return context.WithCancel(ctx)
	}
	left := time.Until(d)
	margin := max(left/10, min(5*time.Second, left/2))
	return context.WithDeadline(ctx, d.Add(-margin))
}

// await polls check until it reports done and returns the value it saw then. It waits until
// waitContext ends; then it fails the test naming what was awaited and the last value check saw.
// check may itself fail the test.
func await[V any](t testing.TB, what string, check func() (V, bool)) V {
	t.Helper()
	ctx, cancel := waitContext(t)
	defer cancel()
	return awaitCtx(ctx, t, what, check)
}

// awaitCtx is await bounded by ctx (which should derive from waitContext).
func awaitCtx[V any](ctx context.Context, t testing.TB, what string, check func() (V, bool)) V {
	t.Helper()
	start := time.Now()
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for polls := 1; ; polls++ {
		v, done := check()
		if done {
			return v
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			t.Fatalf("still waiting for %s when the test's deadline neared (%v, %d polls); last seen: %s",
				what, time.Since(start).Round(time.Millisecond), polls, seen(v))
			return v
		}
	}
}

// waitFor polls ok until it holds, bounded by the test's deadline as await is. Where the
// condition has a value worth showing on failure, use await.
func waitFor(t testing.TB, what string, ok func() bool) {
	t.Helper()
	await(t, what, func() (string, bool) {
		if ok() {
			return "", true
		}
		return "the condition false", false
	})
}

// seen formats a value for a failure message.
func seen(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case []byte:
		return string(v)
	default:
		return fmt.Sprintf("%+v", v)
	}
}

// waitLeft returns how long a wait bounded as waitContext's may still take, for an API that
// takes a duration (a day without a test deadline).
func waitLeft(t testing.TB) time.Duration {
	ctx, cancel := waitContext(t)
	defer cancel()
	if d, ok := ctx.Deadline(); ok {
		return time.Until(d)
	}
	return 24 * time.Hour
}
