package eventstoretest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/nordledger/ledger/eventstore"
)

// testConcurrentOneStream: appenders race for each version of one stream; exactly one wins each.
func testConcurrentOneStream(t *testing.T, open Opener) {
	s := open(t, t.TempDir())
	ctx := context.Background()
	const appenders, target = 16, 200
	var mu sync.Mutex
	winners := map[uint64]int{} // version → appender
	var wg sync.WaitGroup
	for a := 0; a < appenders; a++ {
		wg.Add(1)
		go func(a int) {
			defer wg.Done()
			for {
				v, err := s.StreamVersion(ctx, "hot")
				if err != nil {
					t.Error(err)
					return
				}
				if v >= target {
					return
				}
				res, err := s.Append(ctx, eventstore.AppendRequest{Stream: "hot", ExpectedVersion: eventstore.Exact(v), Events: events("T", a, 1)})
				switch {
				case err == nil:
					mu.Lock()
					if prev, dup := winners[res.Version]; dup {
						t.Errorf("version %d won by appenders %d and %d", res.Version, prev, a)
					}
					winners[res.Version] = a
					mu.Unlock()
					if res.Version != v+1 {
						t.Errorf("expected %d, got version %d", v, res.Version)
					}
				case errors.Is(err, eventstore.ErrWrongExpectedVersion):
				default:
					t.Error(err)
					return
				}
			}
		}(a)
	}
	wg.Wait()
	stream := readStream(t, s, "hot")
	if len(stream) != len(winners) || len(stream) < target {
		t.Fatalf("stream has %d events, %d wins reported", len(stream), len(winners))
	}
	checkGapFree(t, readAll(t, s))
}

// testConcurrentDistinctStreams: 64 appenders to their own streams lose nothing and leave no gap.
func testConcurrentDistinctStreams(t *testing.T, open Opener) {
	s := open(t, t.TempDir())
	ctx := context.Background()
	const appenders, perAppender = 64, 40
	var wg sync.WaitGroup
	for a := 0; a < appenders; a++ {
		wg.Add(1)
		go func(a int) {
			defer wg.Done()
			stream := fmt.Sprintf("s-%d", a)
			for i := 0; i < perAppender; i++ {
				n := 1 + i%2 // one or two events per append
				res, err := s.Append(ctx, eventstore.AppendRequest{Stream: stream, ExpectedVersion: eventstore.Any, Events: events("T", a*1000+i, n)})
				if err != nil {
					t.Error(err)
					return
				}
				if res.LastPosition-res.FirstPosition != uint64(n-1) {
					t.Errorf("append of %d events got positions %d..%d", n, res.FirstPosition, res.LastPosition)
				}
			}
		}(a)
	}
	wg.Wait()
	log := readAll(t, s)
	want := appenders * (perAppender/2*1 + perAppender/2*2)
	if len(log) != want || head(t, s) != uint64(want) {
		t.Fatalf("log has %d events (head %d), want %d", len(log), head(t, s), want)
	}
	checkGapFree(t, log)
	// The two events of one append are adjacent in the log: the second of each pair has a
	// version divisible by 3 (appends alternate one and two events: v1 | v2,v3 | v4 | v5,v6 ...).
	for i := 1; i < len(log); i++ {
		if e, prev := log[i], log[i-1]; e.Version%3 == 0 && (prev.Stream != e.Stream || prev.Version != e.Version-1) {
			t.Fatalf("two-event append split: position %d (%s v%d) follows %s v%d", e.Position, e.Stream, e.Version, prev.Stream, prev.Version)
		}
	}
}
