package personal_test

import (
	"bytes"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/nordledger/ledger/eventstore/personal"
)

// TestConcurrentCreationsAndMarks: keys created by many goroutines at once (the same subject by
// all of them too) are one key per subject, each on disk once DataKey returns; published marks
// take effect at once for Pending and are on disk after Close.
func TestConcurrentCreationsAndMarks(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.db")
	m := ring(t, masterA)
	s, err := personal.OpenStore(path, m, personal.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	const workers, each = 32, 16
	shared := make([][]byte, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				if _, err := s.DataKey(ctx, fmt.Sprintf("1000/customers/%d-%d", w, i), true); err != nil {
					t.Error(err)
					return
				}
			}
			if _, err := s.DataKey(ctx, "1000/customers/shared", true); err != nil {
				t.Error(err)
				return
			}
			rec, found, err := s.Record("1000/customers/shared")
			if err != nil || !found {
				t.Errorf("shared: %v %v", found, err)
				return
			}
			shared[w] = rec.Wrapped
		}()
	}
	wg.Wait()
	for w := range workers {
		if !bytes.Equal(shared[w], shared[0]) {
			t.Fatalf("worker %d sees another key for the shared subject", w)
		}
	}
	pending, err := s.Pending(workers*each + 10)
	if err != nil || len(pending) != workers*each+1 {
		t.Fatalf("pending: %d records (%v), want %d", len(pending), err, workers*each+1)
	}
	// Mark every other record published: Pending leaves them out at once.
	var marked []personal.KeyRecord
	for i, r := range pending {
		if i%2 == 0 {
			marked = append(marked, r)
		}
	}
	if err := s.PublishedAll(marked); err != nil {
		t.Fatal(err)
	}
	left, _ := s.Pending(len(pending))
	if len(left) != len(pending)-len(marked) {
		t.Fatalf("after marking %d of %d: %d pending", len(marked), len(pending), len(left))
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	// Reopened: every key is there, and the marks were written at Close.
	s, err = personal.OpenStore(path, m, personal.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for w := range workers {
		for i := range each {
			if _, found, err := s.Record(fmt.Sprintf("1000/customers/%d-%d", w, i)); err != nil || !found {
				t.Fatalf("key %d-%d lost: %v %v", w, i, found, err)
			}
		}
	}
	after, _ := s.Pending(len(pending))
	if len(after) != len(left) {
		t.Fatalf("after reopen: %d pending, want %d", len(after), len(left))
	}
	for i := range after {
		if after[i].Subject != left[i].Subject {
			t.Fatalf("after reopen pending %s, want %s", after[i].Subject, left[i].Subject)
		}
	}
}
