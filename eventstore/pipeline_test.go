package eventstore_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/eventstore/eventstoretest"
)

// recorder is an Applier that keeps what it is given — the events of the log it holds, in order,
// read from the log where it was given none — and can be held: Apply then waits for release (or
// the store's closing) before it applies.
type recorder struct {
	mu      sync.Mutex
	applied []eventstore.Event // positions 1..len
	decided []any              // Decided of each, as Apply got it (nil when read from the log)
	calls   int
	gap     bool // some call was given events after a gap it had to read from the log
	hold    chan struct{}
	entered chan struct{} // signalled when a held Apply starts waiting
}

func (r *recorder) Apply(ctx context.Context, log eventstore.Reader, upTo uint64, events []eventstore.Event) error {
	r.mu.Lock()
	hold := r.hold
	r.calls++
	r.mu.Unlock()
	if hold != nil {
		select {
		case r.entered <- struct{}{}:
		default:
		}
		select {
		case <-hold:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	next := uint64(len(r.applied)) + 1
	if len(events) > 0 && events[0].Position > next {
		r.gap = true
	}
	for next <= upTo {
		if len(events) > 0 && events[0].Position == next {
			r.applied, r.decided = append(r.applied, events[0]), append(r.decided, events[0].Decided)
			events = events[1:]
			next++
			continue
		}
		if len(events) > 0 && events[0].Position < next {
			events = events[1:]
			continue
		}
		read, err := log.ReadAll(ctx, next, 1)
		if err != nil || len(read) != 1 {
			return fmt.Errorf("reading position %d: %v (%d events)", next, err, len(read))
		}
		r.applied, r.decided = append(r.applied, read[0]), append(r.decided, nil)
		next++
	}
	return nil
}

// holdNext makes the following Apply calls wait until the returned release is called.
func (r *recorder) holdNext() (release func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.hold, r.entered = make(chan struct{}), make(chan struct{}, 1)
	hold := r.hold
	var once sync.Once
	return func() {
		once.Do(func() {
			r.mu.Lock()
			r.hold = nil
			r.mu.Unlock()
			close(hold)
		})
	}
}

func (r *recorder) len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.applied)
}

func openPipeline(t *testing.T, dir string, opts eventstore.Options) *eventstore.Store {
	t.Helper()
	path := filepath.Join(dir, "events.db")
	s, err := eventstore.Open(path, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		checkConsistency(t, path)
	})
	return s
}

var fixedTime = time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)

func oneEvent(stream string, decided any) eventstore.AppendRequest {
	return eventstore.AppendRequest{Stream: stream, ExpectedVersion: eventstore.Any, Events: []eventstore.EventData{{
		ID: uuid.Must(uuid.NewV7()), Type: "Happened", SchemaVersion: 1, Time: fixedTime, Data: []byte(`{"n":1}`), Decided: decided}}}
}

// The conformance suite holds with the whole pipeline: a Prepare stage and an Applier.
func TestConformanceWithPipeline(t *testing.T) {
	eventstoretest.Run(t, func(t *testing.T, dir string) eventstoretest.Store {
		return openPipeline(t, dir, eventstore.Options{Prepare: func() error { return nil }, Applier: &recorder{}})
	})
}

// TestPipelineAppliesBeforeAnswering: an append returns once the applier holds its events,
// given as committed, with what the appender decided; the applier sees the whole log in order;
// Await waits for the applier too.
func TestPipelineAppliesBeforeAnswering(t *testing.T) {
	rec := &recorder{}
	prepared := 0
	s := openPipeline(t, t.TempDir(), eventstore.Options{Applier: rec, Prepare: func() error { prepared++; return nil }})
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := s.Append(ctx, oneEvent(fmt.Sprintf("s-%d", i%5), i))
			if err != nil {
				t.Error(err)
				return
			}
			if got := uint64(rec.len()); got < res.LastPosition {
				t.Errorf("append %d answered at position %d while the applier holds %d", i, res.LastPosition, got)
			}
		}()
	}
	wg.Wait()
	if rec.len() != 50 {
		t.Fatalf("applier holds %d events, want 50", rec.len())
	}
	for i, e := range rec.applied {
		if e.Position != uint64(i+1) {
			t.Fatalf("applied position %d at %d", e.Position, i)
		}
		if rec.decided[i] == nil {
			t.Errorf("position %d reached the applier without what its appender decided", e.Position)
		}
	}
	if prepared == 0 {
		t.Error("Prepare never ran")
	}
	if err := s.Await(ctx, 50); err != nil {
		t.Fatal(err)
	}
}

// TestPipelineRefusalWaitsForApplier: a refused append is answered once everything it was
// decided against is applied; a caller that stops waiting for an applied append is told it is
// stored (ErrNotApplied with the result), and Await reports the same.
func TestPipelineRefusalWaitsForApplier(t *testing.T) {
	rec := &recorder{}
	s := openPipeline(t, t.TempDir(), eventstore.Options{Applier: rec})
	ctx := context.Background()
	if _, err := s.Append(ctx, oneEvent("a", 0)); err != nil {
		t.Fatal(err)
	}
	release := rec.holdNext()
	defer release()
	done := make(chan error, 1)
	go func() {
		_, err := s.Append(ctx, oneEvent("a", 1)) // version 2, held in the applier
		done <- err
	}()
	<-rec.entered
	refused := make(chan error, 1)
	go func() {
		req := oneEvent("a", 2)
		req.ExpectedVersion = eventstore.Exact(1) // decided against version 1: refused by version 2
		_, err := s.Append(ctx, req)
		refused <- err
	}()
	// A caller that stops waiting: stored, not applied.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	res, err := s.Append(cctx, oneEvent("b", 3))
	if !errors.Is(err, context.Canceled) { // cancelled before it reached the writer: nothing stored
		if !errors.Is(err, eventstore.ErrNotApplied) || res.LastPosition == 0 {
			t.Fatalf("cancelled append: %+v, %v; want the stored result with ErrNotApplied", res, err)
		}
	}
	if err := s.Await(cctx, 2); !errors.Is(err, eventstore.ErrNotApplied) {
		t.Fatalf("Await while held: %v, want ErrNotApplied", err)
	}
	select {
	case err := <-refused:
		t.Fatalf("the refusal was answered (%v) before the applier held what it was decided against", err)
	case err := <-done:
		t.Fatalf("the append was answered (%v) before the applier held it", err)
	default:
	}
	release()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := <-refused; !errors.Is(err, eventstore.ErrWrongExpectedVersion) {
		t.Fatalf("refused append: %v", err)
	}
	if err := s.Await(ctx, 2); err != nil {
		t.Fatal(err)
	}
}

// TestPipelinePrepareFailure: a group whose preparation fails is not written, and every append
// of it fails with ErrWriteFailed; the next group is written.
func TestPipelinePrepareFailure(t *testing.T) {
	fail := true
	var mu sync.Mutex
	s := openPipeline(t, t.TempDir(), eventstore.Options{Applier: &recorder{}, Prepare: func() error {
		mu.Lock()
		defer mu.Unlock()
		if fail {
			fail = false
			return errors.New("disk full")
		}
		return nil
	}})
	ctx := context.Background()
	if _, err := s.Append(ctx, oneEvent("a", 0)); !errors.Is(err, eventstore.ErrWriteFailed) {
		t.Fatalf("first append: %v, want ErrWriteFailed", err)
	}
	if head, _ := s.Head(ctx); head != 0 {
		t.Fatalf("head %d after a failed preparation", head)
	}
	res, err := s.Append(ctx, oneEvent("a", 0))
	if err != nil || res.LastPosition != 1 {
		t.Fatalf("second append: %+v, %v", res, err)
	}
}

// TestPipelineCatchesUpAndDropsHeldEvents: at Open the applier is caught up with the log; an
// applier that falls far behind is given the newest events only and reads the rest from the log.
func TestPipelineCatchesUpAndDropsHeldEvents(t *testing.T) {
	dir := t.TempDir()
	{
		s, err := eventstore.Open(filepath.Join(dir, "events.db"), eventstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for i := range 10 {
			if _, err := s.Append(context.Background(), oneEvent("old", i)); err != nil {
				t.Fatal(err)
			}
		}
		s.Close()
	}
	restore := eventstore.SetMaxHeldEvents(20)
	defer restore()
	rec := &recorder{}
	s := openPipeline(t, dir, eventstore.Options{Applier: rec})
	ctx := context.Background()
	if err := s.Await(ctx, 10); err != nil {
		t.Fatal(err)
	}
	release := rec.holdNext()
	first := make(chan error, 1)
	go func() { _, err := s.Append(ctx, oneEvent("new", -1)); first <- err }()
	<-rec.entered
	// 60 appends, one group each (the next starts once the log holds the one before), committed
	// while the applier is held.
	sub := s.Subscribe(ctx, 12)
	var wg sync.WaitGroup
	for i := range 60 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.Append(ctx, oneEvent(fmt.Sprint("new-", i), i)); err != nil {
				t.Error(err)
			}
		}()
		<-sub.C
	}
	release()
	wg.Wait()
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if rec.len() != 71 {
		t.Fatalf("the applier holds %d events, want 71", rec.len())
	}
	if !rec.gap {
		t.Error("the applier was never given events after a gap: nothing was dropped")
	}
	for i, e := range rec.applied {
		if e.Position != uint64(i+1) {
			t.Fatalf("position %d at %d", e.Position, i)
		}
	}
}

// TestPipelineCloseWithStuckApplier: Close does not wait for an applier that cannot make
// progress: the appends waiting for it are answered ErrNotApplied, and they are stored.
func TestPipelineCloseWithStuckApplier(t *testing.T) {
	rec := &recorder{}
	path := filepath.Join(t.TempDir(), "events.db")
	s, err := eventstore.Open(path, eventstore.Options{Applier: rec})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append(context.Background(), oneEvent("a", 0)); err != nil { // the catch-up at Open is over
		t.Fatal(err)
	}
	release := rec.holdNext()
	defer release()
	done := make(chan error, 1)
	go func() { _, err := s.Append(context.Background(), oneEvent("a", 0)); done <- err }()
	<-rec.entered
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, eventstore.ErrNotApplied) {
		t.Fatalf("append: %v, want ErrNotApplied", err)
	}
	s, err = eventstore.Open(path, eventstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if head, _ := s.Head(context.Background()); head != 2 {
		t.Fatalf("head %d after the close, want both stored events", head)
	}
}
