package eventstore_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nordledger/ledger/eventstore"
)

// recordingObserver counts what the store reports.
type recordingObserver struct {
	mu              sync.Mutex
	appends, failed int
	groups          []int
}

func (o *recordingObserver) ObserveAppend(d time.Duration, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.appends++
	if err != nil {
		o.failed++
	}
}

func (o *recordingObserver) ObserveCommit(appends int, d time.Duration, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.groups = append(o.groups, appends)
}

// TestObserver: every append that reached the writer is observed with its outcome, and the group
// commits' sizes add up to the appends.
func TestObserver(t *testing.T) {
	obs := &recordingObserver{}
	s, err := eventstore.Open(filepath.Join(t.TempDir(), "events.db"), eventstore.Options{Observer: obs})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.Append(ctx, eventstore.AppendRequest{Stream: "1000/customers/" + string(rune('a'+i)), ExpectedVersion: eventstore.NoStream,
				Events: []eventstore.EventData{{ID: uuid.Must(uuid.NewV7()), Type: "T", SchemaVersion: 1, Time: time.Now(), Data: []byte(`{}`)}}})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	_, err = s.Append(ctx, eventstore.AppendRequest{Stream: "1000/customers/a", ExpectedVersion: eventstore.NoStream,
		Events: []eventstore.EventData{{ID: uuid.Must(uuid.NewV7()), Type: "T", SchemaVersion: 1, Time: time.Now(), Data: []byte(`{}`)}}})
	if !errors.Is(err, eventstore.ErrWrongExpectedVersion) {
		t.Fatalf("append to an existing stream expecting none: %v", err)
	}
	obs.mu.Lock()
	defer obs.mu.Unlock()
	if obs.appends != 21 || obs.failed != 1 {
		t.Errorf("observed %d appends, %d failed; want 21, 1", obs.appends, obs.failed)
	}
	total := 0
	for _, n := range obs.groups {
		if n < 1 {
			t.Errorf("a group of %d appends", n)
		}
		total += n
	}
	if total != 21 {
		t.Errorf("group commits hold %d appends, want 21 (groups %v)", total, obs.groups)
	}
}
