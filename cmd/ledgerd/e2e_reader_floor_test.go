package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// holdReaderChecks installs readerCheckHooks for the test: the running reader's next stream
// check waits until checkMay is closed; once it has reset the read models (and moved the read
// floor), reset is closed and the feed waits until rebuildMay is closed. Both are closed, and the
// hooks removed, when the test ends.
func holdReaderChecks(t *testing.T) (checkMay, reset, rebuildMay chan struct{}) {
	t.Helper()
	checkMay, reset, rebuildMay = make(chan struct{}), make(chan struct{}), make(chan struct{})
	var resetOnce sync.Once
	wait := func(ctx context.Context, c chan struct{}) {
		select {
		case <-c:
		case <-ctx.Done():
		}
	}
	readerCheckHooks.Store(&readerHooks{
		beforeCheck: func(ctx context.Context) { wait(ctx, checkMay) },
		afterReset: func(ctx context.Context) {
			resetOnce.Do(func() { close(reset) })
			wait(ctx, rebuildMay)
		},
	})
	t.Cleanup(func() {
		readerCheckHooks.Store(nil)
		closeOnce(checkMay)
		closeOnce(rebuildMay)
	})
	return checkMay, reset, rebuildMay
}

// closeOnce closes c unless it is closed.
func closeOnce(c chan struct{}) {
	select {
	case <-c:
	default:
		close(c)
	}
}

// TestE2EReadsWaitForARunningReadersRebuild: a running reader whose read models turn out to be
// built from events the stream no longer holds (the writer's log restored from an older backup)
// resets them and rebuilds them from the stream. While it rebuilds, a read of a customer the
// log holds must not answer from the emptied read models: it waits, as reads do at start, and
// answers 503 "being rebuilt" when the rebuild takes longer than -read-model-wait. The rebuild is
// held at its start by the test-only readerCheckHooks. (Before: 404 for customer 6700, which
// the writer holds; only /readyz said 503.)
func TestE2EReadsWaitForARunningReadersRebuild(t *testing.T) {
	ns := startExternalNATS(t, t.TempDir(), -1)
	s := startServer(t, withArgs("-nats-url", ns.ClientURL()))
	backup := writeUntilBackup(t, s)
	r := startReaderIn(t, s, t.TempDir(), "-read-model-wait", "1s") // a read's bound, not a timing the test relies on
	defer r.stop(t)
	waitFor(t, "the reader to show "+restoreLost, func() bool {
		return r.do(t, http.MethodGet, customersPath(demoLedger, restoreLost), s.token, nil).Status == http.StatusOK
	})
	// The reader checks its read models against the stream only once the restored log and the
	// writes after it are all in the stream: the reset's stream end is then 4.
	checkMay, reset, rebuildMay := holdReaderChecks(t)
	restoreUnderReader(t, s, ns.ClientURL(), backup)
	close(checkMay)
	select {
	case <-reset:
	case <-t.Context().Done():
		t.Fatal("the reader did not reset its read models")
	}

	// The rebuild is held: the read models are empty, the stream ends at 4.
	kept := customersPath(demoLedger, restoreKept)
	if w := s.do(t, http.MethodGet, kept, s.token, nil); w.Status != http.StatusOK {
		t.Fatalf("the writer: %s", w)
	}
	got := r.doAllowing5xx(t, http.MethodGet, kept, s.token, nil)
	if got.Status != http.StatusServiceUnavailable {
		t.Fatalf("a read during the rebuild answers from the emptied read models: %s", got)
	}
	var p problem
	if err := json.Unmarshal(got.Body, &p); err != nil || !strings.HasSuffix(p.Type, "unavailable") || !strings.Contains(p.Detail, "being rebuilt") {
		t.Errorf("a read during the rebuild: %s, want the problem unavailable, being rebuilt", got)
	}

	close(rebuildMay)
	awaitReadiness(t, r.client, r.base, s.token, "the reader to be ready again", func(rd readiness) bool {
		return rd.code == http.StatusOK
	})
	expectReaderAsWriter(t, s, r)
}
