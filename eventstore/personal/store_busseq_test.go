package personal_test

import (
	"path/filepath"
	"sync"
	"testing"

	"github.com/nordledger/ledger/eventstore/personal"
)

// TestSetBusSeqNotOverwrittenByACommitInFlight: a commit that took the held bus sequence (a
// higher one, from before the key bus lost messages) must not write it over the sequence a
// refill's SetBusSeq records meanwhile — the next publish would take the stale, higher one for a
// rollback (a needless refill, a false WARN). The SetBusSeq arrives once the commit has taken the
// marks: when the commit's lock is free then, it runs to its end there (the window the commit
// leaves open); when it is not, it waits behind the commit, as it must.
func TestSetBusSeqNotOverwrittenByACommitInFlight(t *testing.T) {
	for _, deferred := range []bool{false, true} {
		name := "writer"
		if deferred {
			name = "CommitPending"
		}
		t.Run(name, func(t *testing.T) {
			const stale, refilled = 100, 5
			var s *personal.Store
			var once sync.Once
			setDone := make(chan error, 1)
			restore := personal.SetAfterHeldMarks(func(seq uint64) {
				if seq != stale {
					return
				}
				once.Do(func() {
					if personal.CommitLockFree(s) {
						setDone <- s.SetBusSeq(refilled)
						return
					}
					go func() { setDone <- s.SetBusSeq(refilled) }()
				})
			})
			defer restore()
			var err error
			s, err = personal.OpenStore(filepath.Join(t.TempDir(), "keys.db"), ring(t, masterA), personal.StoreOptions{DeferCreates: deferred})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			s.PublishedThrough(stale)
			if _, err := s.DataKey(ctx, "1000/customers/1", true); err != nil {
				t.Fatal(err)
			}
			if deferred {
				if err := s.CommitPending(); err != nil {
					t.Fatal(err)
				}
			}
			if err := <-setDone; err != nil { // the commit carrying the held sequence ran
				t.Fatal(err)
			}
			got, err := s.BusSeq()
			if err != nil {
				t.Fatal(err)
			}
			if got != refilled {
				t.Fatalf("BusSeq = %d after SetBusSeq(%d): the commit in flight wrote its stale sequence over it", got, refilled)
			}
		})
	}
}
