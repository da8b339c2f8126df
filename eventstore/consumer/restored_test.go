package consumer_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/nordledger/ledger/eventstore/consumer"
)

// marks is an application's store of the checkpoint: the position and the id of the last event
// it applied.
type marks struct {
	mu   sync.Mutex
	mark consumer.Mark
}

func (m *marks) get(context.Context) (consumer.Mark, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.mark, nil
}

func (m *marks) handler(r *recorder) func(ctx context.Context, e *consumer.Event) error {
	return func(ctx context.Context, e *consumer.Event) error {
		if err := r.handle(ctx, e); err != nil {
			return err
		}
		m.mu.Lock()
		defer m.mu.Unlock()
		m.mark = consumer.Mark{Position: e.Position, ID: e.ID}
		return nil
	}
}

// TestConsumerDetectsARestoredLog: a consumer checkpointed at position 6 (with the event's id)
// meets the ledger's log restored from a backup that ended at 4: its NATS stream refilled with
// 1..4, then new events written at 5, 6, 7, 8. Resuming from the checkpoint would skip the new
// events 5 and 6 for good; instead Run hands nothing over and stops with ErrLogRestored, naming
// the position — whether the new events come before it resumes or while it waits for the
// stream to reach its checkpoint. A checkpoint that matches resumes as ever.
func TestConsumerDetectsARestoredLog(t *testing.T) {
	l := newLedger(t)
	l.add(t, "1001", customer("1001", "Anna Andersson")...)
	l.add(t, "1002", customer("1002", "Bertil Berg")...)
	l.add(t, "1003", customer("1003", "Cecilia Carlsson")...)
	m := &marks{}
	first := &recorder{stopAt: 6}
	if err := runMarked(t, consumer.Config{JetStream: l.js, LedgerNo: "1000", Durable: "crm", CheckpointMark: m.get}, m, first); err != nil {
		t.Fatal(err)
	}
	if m.mark.Position != 6 {
		t.Fatalf("checkpoint %+v, want position 6", m.mark)
	}
	l.add(t, "1004", customer("1004", "David Dahl")...)
	again := &recorder{stopAt: 2}
	if err := runMarked(t, consumer.Config{JetStream: l.js, LedgerNo: "1000", Durable: "crm", CheckpointMark: m.get}, m, again); err != nil {
		t.Fatal(err)
	}
	if got := again.positions(); !slices.Equal(got, seq(7, 8)) {
		t.Fatalf("resumed at a checkpoint that matches: %v, want 7..8", got)
	}
	for _, waits := range []bool{false, true} {
		m.mark = consumer.Mark{Position: 6, ID: first.events[5].ID}
		restored := newLedger(t) // its events.db restored from a backup with 4 events; data/nats removed
		restored.add(t, "1001", customer("1001", "Anna Andersson")...)
		restored.add(t, "1002", customer("1002", "Bertil Berg")...)
		if !waits {
			restored.add(t, "1005", customer("1005", "Erik Ek")...) // 5, 6: new events
			restored.add(t, "1006", customer("1006", "Frida Falk")...)
		}
		r := &recorder{stopAt: 2}
		done := make(chan error, 1)
		go func() {
			done <- runMarked(t, consumer.Config{JetStream: restored.js, LedgerNo: "1000", Durable: "crm", CheckpointMark: m.get}, m, r)
		}()
		if waits {
			restored.add(t, "1005", customer("1005", "Erik Ek")...)
			restored.add(t, "1006", customer("1006", "Frida Falk")...)
		}
		err := <-done
		var re *consumer.LogRestoredError
		if !errors.Is(err, consumer.ErrLogRestored) || !errors.As(err, &re) || re.Position != 6 {
			t.Errorf("waits %v: Run: %v, want ErrLogRestored at 6 (handed over %v)", waits, err, r.positions())
		}
		if len(r.events) != 0 {
			t.Errorf("waits %v: handed over %v past a checkpoint the log no longer has", waits, r.positions())
		}
	}
}

// runMarked runs a consumer whose handler records its checkpoint in m.
func runMarked(t *testing.T, cfg consumer.Config, m *marks, r *recorder) error {
	t.Helper()
	h := m.handler(r)
	return runWith(t, cfg, r, h)
}
