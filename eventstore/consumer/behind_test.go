package consumer_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nordledger/ledger/eventstore/consumer"
)

// records is a slog.Handler that keeps the messages logged at Warn and above, and apart those
// at Info.
type records struct {
	mu    sync.Mutex
	warns []string
	infos []string
}

func (r *records) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelInfo }
func (r *records) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if rec.Level >= slog.LevelWarn {
		r.warns = append(r.warns, rec.Message)
	} else {
		r.infos = append(r.infos, rec.Message)
	}
	return nil
}
func (r *records) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r *records) WithGroup(string) slog.Handler      { return r }

func (r *records) list() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.warns...)
}

// TestConsumerWaitingForTheStreamLogsOnce: while the stream ends before the checkpoint (a NATS
// store being refilled, a restored log not yet written that far) Run waits, checking again and
// again — for hours on a quiet ledger. It logs that once, not at every check: the test counts
// the checks by the stream info requests Run sends.
func TestConsumerWaitingForTheStreamLogsOnce(t *testing.T) {
	l := newLedger(t)
	l.add(t, "1001", customer("1001", "Anna Andersson")...) // positions 1, 2
	checks := apiRequests(t, l, "$JS.API.STREAM.INFO."+consumer.DefaultStream)
	logged := &records{}
	mark := consumer.Mark{Position: 6, ID: uuid.Must(uuid.NewV7())} // the stream ends at 2
	c, err := consumer.New(consumer.Config{JetStream: l.js, LedgerNo: "1000", Durable: "behind", Logger: slog.New(logged),
		CheckpointMark: func(context.Context) (consumer.Mark, error) { return mark, nil }})
	if err != nil {
		t.Fatal(err)
	}
	// ~0.3 s (the checks come after 0.1, then 0.2 s): far from the minute after which a second
	// warning is due.
	runUntil(t, c, checks, 3, "while the stream ends before the checkpoint")
	var waiting []string
	for _, m := range logged.list() {
		if strings.Contains(m, "stream") || strings.Contains(m, "interrupted") {
			waiting = append(waiting, m)
		}
	}
	if len(waiting) != 1 {
		t.Errorf("after 3 checks of a stream that ends before the checkpoint, Run logged %d warnings, want 1: %q", len(waiting), waiting)
	}
}

// warnings returns the warnings logged that contain word.
func (r *records) warnings(word string) []string {
	var out []string
	for _, m := range r.list() {
		if strings.Contains(m, word) {
			out = append(out, m)
		}
	}
	return out
}

// runUntil runs c until n signals came on signals (Run's retries, counted by the test), then
// stops it; Run must hand nothing over (what names why, for the failure message).
func runUntil(t *testing.T, c *consumer.Consumer, signals <-chan struct{}, n int, what string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- c.Run(ctx, func(_ context.Context, e *consumer.Event) error {
			t.Errorf("handed over event %d %s", e.Position, what)
			return nil
		})
	}()
	for range n {
		<-signals
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// apiRequests counts the JetStream API requests on subject that clients of l send.
func apiRequests(t *testing.T, l *ledger, subject string) <-chan struct{} {
	t.Helper()
	requests := make(chan struct{}, 100)
	sub, err := l.js.Conn().Subscribe(subject, func(*nats.Msg) { requests <- struct{}{} })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sub.Unsubscribe() })
	if err := l.js.Conn().Flush(); err != nil {
		t.Fatal(err)
	}
	return requests
}

// TestConsumerCheckpointFailingLogsOnce: while the checkpoint cannot be read (the application's
// database down) Run asks again and again, as long as that lasts. It logs that once, not at
// every retry: the test counts the retries by the checkpoint's calls (6 in ~3 s: the retries
// come after 0.1, 0.2, 0.4, 0.8 and 1.6 s — far from the minute after which a second warning is
// due).
func TestConsumerCheckpointFailingLogsOnce(t *testing.T) {
	l := newLedger(t)
	calls := make(chan struct{}, 100)
	logged := &records{}
	c, err := consumer.New(consumer.Config{JetStream: l.js, LedgerNo: "1000", Durable: "unread", Logger: slog.New(logged),
		CheckpointMark: func(context.Context) (consumer.Mark, error) {
			calls <- struct{}{}
			return consumer.Mark{}, errors.New("the database is down")
		}})
	if err != nil {
		t.Fatal(err)
	}
	runUntil(t, c, calls, 6, "without a checkpoint")
	if w := logged.warnings("checkpoint"); len(w) != 1 {
		t.Errorf("after 6 reads of a checkpoint that cannot be read, Run logged %d warnings, want 1: %q", len(w), w)
	}
}

// TestConsumerInterruptedLogsOnce: while Run cannot follow the stream (NATS down for a long
// time; here the stream is missing, as after NATS lost its store and before the relay made it
// again) it tries again and again. It logs the interruption once, not at every retry: the test
// counts the retries by the durable's info requests Run sends (6 in ~3 s, far from the minute
// after which a second warning is due).
func TestConsumerInterruptedLogsOnce(t *testing.T) {
	l := newLedger(t)
	const stream = "GONE"
	tries := apiRequests(t, l, "$JS.API.CONSUMER.INFO."+stream+".interrupted")
	logged := &records{}
	c, err := consumer.New(consumer.Config{JetStream: l.js, Stream: stream, LedgerNo: "1000", Durable: "interrupted", Logger: slog.New(logged)})
	if err != nil {
		t.Fatal(err)
	}
	runUntil(t, c, tries, 6, "from a missing stream")
	if w := logged.warnings("interrupted"); len(w) != 1 {
		t.Errorf("after 6 tries to follow a missing stream, Run logged %d warnings, want 1: %q", len(w), w)
	}
}

// TestConsumerInterruptedAfterCheckpointLogsOnce: as TestConsumerInterruptedLogsOnce, with a
// Checkpoint (a position without an id): each try first checks the event at the checkpoint
// against the stream, which fails too while the stream is missing (or NATS down). Run logs that
// it cannot check once, like the interruption, not at every retry.
func TestConsumerInterruptedAfterCheckpointLogsOnce(t *testing.T) {
	l := newLedger(t)
	const stream = "GONE"
	tries := apiRequests(t, l, "$JS.API.STREAM.INFO."+stream)
	logged := &records{}
	c, err := consumer.New(consumer.Config{JetStream: l.js, Stream: stream, LedgerNo: "1000", Durable: "interrupted", Logger: slog.New(logged),
		Checkpoint: func(context.Context) (uint64, error) { return 5, nil }})
	if err != nil {
		t.Fatal(err)
	}
	runUntil(t, c, tries, 6, "from a missing stream")
	if w := logged.list(); len(w) > 2 {
		t.Errorf("after 6 tries to follow a missing stream, Run logged %d warnings, want at most 2 (the interruption, the check): %q", len(w), w)
	}
}
