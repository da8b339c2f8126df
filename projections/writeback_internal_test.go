package projections

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/nordledger/ledger/eventstore"
	bolt "go.etcd.io/bbolt"
)

// counting is a projection that records each event's position in a bucket of its own.
type counting struct{}

func (counting) Name() string      { return "counting" }
func (counting) Version() uint32   { return 1 }
func (counting) Buckets() [][]byte { return [][]byte{[]byte("counting")} }
func (counting) Apply(tx *bolt.Tx, e Event) error {
	return tx.Bucket([]byte("counting")).Put(binary.BigEndian.AppendUint64(nil, e.Position), []byte{1})
}

// scriptedLog serves events from memory; before each read it calls before (when set), which may
// fail the read or hold it.
type scriptedLog struct {
	mu     sync.Mutex
	events []Event
	reads  int
	before func(read int) error
}

func (l *scriptedLog) ReadAll(ctx context.Context, from uint64, limit int) ([]Event, error) {
	l.mu.Lock()
	l.reads++
	n, before := l.reads, l.before
	l.mu.Unlock()
	if before != nil {
		if err := before(n); err != nil {
			return nil, err
		}
	}
	limit = min(limit, eventstore.MaxReadLimit)
	var out []Event
	for _, e := range l.events {
		if e.Position >= from && len(out) < limit {
			out = append(out, e)
		}
	}
	return out, nil
}

func (l *scriptedLog) script(before func(read int) error) {
	l.mu.Lock()
	l.reads, l.before = 0, before
	l.mu.Unlock()
}

func numbered(n int) []Event {
	out := make([]Event, n)
	for i := range out {
		out[i] = Event{Position: uint64(i + 1), Stream: "x", Type: "T", Version: uint64(i + 1)}
	}
	return out
}

func countingRunner(t *testing.T) (*Runner, *DB) {
	t.Helper()
	db, err := OpenDB(filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	r, err := NewRunner(db, slog.New(slog.NewTextHandler(io.Discard, nil)), counting{})
	if err != nil {
		t.Fatal(err)
	}
	return r, db
}

func inFile(t *testing.T, db *DB) uint64 {
	t.Helper()
	st, err := db.State("counting")
	if err != nil {
		t.Fatal(err)
	}
	return st.Checkpoint
}

// TestWriteBackPositionsNeverGoBack: a failed commit of more events than one read of the log is
// applied again read by read; when that stops halfway (the reading client left), the positions
// stay at what was answered, and the next flush does not report a file that is behind as whole.
func TestWriteBackPositionsNeverGoBack(t *testing.T) {
	defer SetWriteBackAge(time.Hour)()
	r, db := countingRunner(t)
	const n = eventstore.MaxReadLimit + 10 // two reads of the log, one write-back transaction
	events := numbered(n)
	log := &scriptedLog{events: events}
	if err := r.Apply(context.Background(), log, n, events); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	log.script(func(read int) error {
		if read == 2 {
			cancel()
			return ctx.Err()
		}
		return nil
	})
	r.SetCommitFault(func() error { return errors.New("no space left on device (test)") })
	if err := r.flush(ctx); !errors.Is(err, eventstore.ErrNotApplied) {
		t.Errorf("a flush whose commit failed and whose client left: %v, want ErrNotApplied", err)
	}
	if p := r.Position(); p != n {
		t.Errorf("after a failed commit the position is %d, want the answered %d", p, n)
	}
	if r.Unwritten() == nil {
		t.Error("Unwritten reports nothing while the file is behind")
	}
	r.SetCommitFault(nil)
	log.script(nil)
	if err := r.flush(context.Background()); err != nil {
		t.Fatalf("flush: %v", err)
	}
	if cp := inFile(t, db); cp != n {
		t.Errorf("a flush that returned nil left the file at %d, want %d", cp, n)
	}
	if err := r.Unwritten(); err != nil {
		t.Errorf("Unwritten after the file caught up: %v", err)
	}
}

// TestWriteBackFlushDoesNotWaitForAStall: a read's flush does not wait for the applier while it
// is held up (here: reading the log after a failed commit): it answers when its context ends, and
// at once when the applier is trying a commit again.
func TestWriteBackFlushDoesNotWaitForAStall(t *testing.T) {
	defer SetWriteBackAge(time.Hour)()
	r, _ := countingRunner(t)
	events := numbered(30)
	log := &scriptedLog{events: events}
	if err := r.Apply(context.Background(), log, 10, events[:10]); err != nil {
		t.Fatal(err)
	}
	// The next group finds the transaction full, its commit fails, and the log's read that
	// applies it again is held.
	held, release := make(chan struct{}), make(chan struct{})
	log.script(func(int) error {
		close(held)
		<-release
		return nil
	})
	r.SetCommitFault(func() error { return errors.New("no space left on device (test)") })
	restore := SetWriteBackEvents(10)
	defer restore()
	applied := make(chan error, 1)
	go func() { applied <- r.Apply(context.Background(), log, 20, events[10:20]) }()
	<-held

	ctx, cancel := context.WithCancel(context.Background())
	flushed := make(chan error, 1)
	go func() { flushed <- r.flush(ctx) }()
	cancel()
	select {
	case err := <-flushed:
		if !errors.Is(err, eventstore.ErrNotApplied) {
			t.Errorf("flush while the applier is held: %v, want ErrNotApplied", err)
		}
	case <-time.After(time.Minute): // a guard only: the flush returns as its context ends
		t.Fatal("a flush whose context ended still waits for the applier")
	}
	log.script(nil)
	close(release)
	if err := <-applied; err != nil {
		t.Fatalf("Apply: %v", err)
	}

	// A stall: the applier is trying a commit again (stalled); a flush answers at once.
	restore()
	if err := r.Apply(context.Background(), log, 30, events[20:]); err != nil { // open again
		t.Fatal(err)
	}
	r.applyMu.Lock()
	r.stalled.Store(true)
	err := r.flush(context.Background())
	r.stalled.Store(false)
	r.applyMu.Unlock()
	if !errors.Is(err, eventstore.ErrNotApplied) {
		t.Errorf("flush during a stall: %v, want ErrNotApplied", err)
	}
}

// TestWriteBackTimerTriesAgain: the timer's commit fails (a full disk) and nothing else comes —
// no write, no read; the timer tries again until the file takes the events, and then the read
// models no longer say they cannot be written (/readyz is ready again by itself).
func TestWriteBackTimerTriesAgain(t *testing.T) {
	defer SetWriteBackAge(10 * time.Millisecond)()
	r, db := countingRunner(t)
	events := numbered(20)
	log := &scriptedLog{events: events}
	var mu sync.Mutex
	full := true
	r.SetCommitFault(func() error {
		mu.Lock()
		defer mu.Unlock()
		if full {
			return errors.New("no space left on device (test)")
		}
		return nil
	})
	// The events applied again from the log go through direct commits: fail them too while full.
	log.script(func(int) error {
		mu.Lock()
		defer mu.Unlock()
		if full {
			return errors.New("no space left on device (test)")
		}
		return nil
	})
	if err := r.Apply(context.Background(), log, 20, events); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the timer's commit to fail", func() bool { return r.Unwritten() != nil })
	mu.Lock()
	full = false // space returns
	mu.Unlock()
	waitFor(t, "the timer to write the file", func() bool { return inFile(t, db) == 20 && r.Unwritten() == nil })
}

// waitFor polls cond until it holds (a guard of a minute stops a test that would never end).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	guard := time.After(time.Minute)
	for !cond() {
		select {
		case <-tick.C:
		case <-guard:
			t.Fatalf("waiting for %s", what)
		}
	}
}
