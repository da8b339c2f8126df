package main

import (
	"context"
	"time"
)

// reconcileMarkInterval is how often a running writer records the log's head as reconciled in
// the key store (one small write to keys.db when the head moved).
const reconcileMarkInterval = time.Minute

// startReconcileMarks records the log's head as reconciled every reconcileMarkInterval until ctx
// ends, so that a writer's start (reconcileKeys) reads only the events since the last mark — not
// every event since the previous start — also after a kill -9. Close records it once more.
func (m *Main) startReconcileMarks(ctx context.Context) {
	if m.keys == nil || m.forgets == nil {
		return
	}
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		every(ctx, reconcileMarkInterval, m.markReconciled) // run.go
	}()
}

// markReconciled records the log's head as reconciled when every forget up to it has its key
// destroyed (app.Handler.ForgetsSettled, asked after the head is read: a forget whose event is in
// the log began before). Otherwise, and on an error, the mark stays where it was: the next start
// reads the events after it, as always.
func (m *Main) markReconciled() {
	if m.keys == nil || m.forgets == nil || m.store == nil {
		return
	}
	head, err := m.store.Head(context.Background())
	if err != nil || !m.forgets.ForgetsSettled() {
		return
	}
	if m.reconcileMarked.Load() == head {
		return
	}
	if err := m.keys.MarkReconciled(head); err != nil {
		m.log.Warn("key store: recording the reconciled log position failed; the next start reads the events since the last mark", "err", err)
		return
	}
	m.reconcileMarked.Store(head)
}
