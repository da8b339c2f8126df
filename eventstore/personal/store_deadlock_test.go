package personal_test

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestCreationsDuringDestroys: new keys keep being made while other customers are forgotten (each
// Destroy takes the store exclusively and rewrites the file): neither waits on the other forever,
// and every key made is there afterwards.
func TestCreationsDuringDestroys(t *testing.T) {
	s := openStore(t, "", ring(t, masterA))
	for i := range 20 {
		dataKey(t, s, fmt.Sprintf("1000/customers/gone-%d", i), true)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		var wg sync.WaitGroup
		for w := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 100 {
					if _, err := s.DataKey(ctx, fmt.Sprintf("1000/customers/%d-%d", w, i), true); err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
		for i := range 20 {
			if err := s.Destroy(ctx, fmt.Sprintf("1000/customers/gone-%d", i)); err != nil {
				t.Error(err)
			}
		}
		wg.Wait()
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("creations and destroys waited on each other: deadlock")
	}
	for w := range 8 {
		for i := range 100 {
			if _, found, err := s.Record(fmt.Sprintf("1000/customers/%d-%d", w, i)); err != nil || !found {
				t.Fatalf("key %d-%d: %v %v", w, i, found, err)
			}
		}
	}
}
