package projections_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore/personal"
	"github.com/nordledger/ledger/internal/app"
	"github.com/nordledger/ledger/projections"
)

// gate is a key store that holds, once each, the first DataKey or Evict call for the subject it
// is armed with, and every Destroy: the test orders a reader, the applier and the forget.
type gate struct {
	*personal.Store
	mu             sync.Mutex
	dataKey, evict string          // the subject whose next DataKey, Evict is held
	in             chan string     // "dataKey", "evict", "destroy": a call is held
	release        chan struct{}   // lets the held call go on
	destroyed      chan struct{}   // closed once Destroy went on
	once           map[string]bool // held already
}

func newGate() *gate {
	return &gate{in: make(chan string), release: make(chan struct{}), destroyed: make(chan struct{}), once: map[string]bool{}}
}

func (g *gate) hold(call string, armed *string, subject string) {
	g.mu.Lock()
	held := *armed != "" && *armed == subject && !g.once[call]
	if held {
		g.once[call] = true
	}
	g.mu.Unlock()
	if held {
		g.in <- call
		<-g.release
	}
}

func (g *gate) DataKey(ctx context.Context, subject string, create bool) (*personal.DataKey, error) {
	g.hold("dataKey", &g.dataKey, subject)
	return g.Store.DataKey(ctx, subject, create)
}

func (g *gate) Evict(subject string) {
	g.hold("evict", &g.evict, subject)
	g.Store.Evict(subject)
}

func (g *gate) Destroy(ctx context.Context, subjects ...string) error {
	g.in <- "destroy"
	<-g.release
	return g.Store.Destroy(ctx, subjects...)
}

// TestForgetLeavesNoDecodedStateBehind: a customer read that decodes the customer's stored
// (pre-forget) state while the forget is being applied must not leave that decoded state — the
// customer's personal data in the clear — remembered in memory (stateCache) once the forget has
// dropped what the process held of the customer: whether the read opened the state before the
// forget was applied, or after the forget dropped the remembered state but before its group was
// published to the customer reads.
func TestForgetLeavesNoDecodedStateBehind(t *testing.T) {
	for _, tc := range []struct {
		name string
		arm  func(g *gate, stream string)
		// readerHeld: the reader's DataKey is held (the reader began before the forget); else
		// the applier's Evict is (the reader runs in full between the forget's drop and its
		// group's publication).
		readerHeld bool
	}{
		{"read before the forget is applied", func(g *gate, s string) { g.dataKey = s }, true},
		{"read between the forget's drop and its publication", func(g *gate, s string) { g.evict = s }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Cleanup(projections.SetWriteBackAge(time.Hour))
			ctx := context.Background()
			dir := t.TempDir()
			first := openSealedWriter(t, dir)
			first.createSealed(t, "500", "198112189876")
			if err := first.close(t); err != nil {
				t.Fatal(err)
			}
			first.keys.Close()

			// A new process: nothing remembered, the customer's state in the file.
			g := newGate()
			w := openSealedWriterWith(t, dir, func(s *personal.Store) (personal.KeySource, app.KeyDestroyer) {
				g.Store = s
				return g, g
			})
			waitHead(t, w.store, w.r)
			stream := domain.StreamName("1000", "500")
			g.mu.Lock()
			tc.arm(g, stream)
			g.mu.Unlock()
			read := make(chan domain.CustomerState, 1)
			get := func() {
				s, _, _ := w.set.Customers.Customer(ctx, "1000", "500")
				read <- s
			}
			forgot := make(chan error, 1)
			forget := func() {
				_, err := w.h.Forget(ctx, sealedPolicy, "500", app.Meta{Actor: "dpo", Time: meta().Time.Add(time.Hour)})
				forgot <- err
			}
			if tc.readerHeld {
				go get()
				if c := <-g.in; c != "dataKey" {
					t.Fatalf("held %s, want the reader's dataKey", c)
				}
				go forget()
				if c := <-g.in; c != "destroy" { // the forget is applied and answered by the log
					t.Fatalf("held %s, want destroy", c)
				}
				g.release <- struct{}{} // the reader opens the pre-forget state (the key is live)
				<-read
			} else {
				go forget()
				if c := <-g.in; c != "evict" { // the applier is in the forget, its state dropped
					t.Fatalf("held %s, want the applier's evict", c)
				}
				get() // the group is not published yet: the reader opens the pre-forget state
				<-read
				g.release <- struct{}{}
				if c := <-g.in; c != "destroy" {
					t.Fatalf("held %s, want destroy", c)
				}
			}
			g.release <- struct{}{} // the key is destroyed
			if err := <-forgot; err != nil {
				t.Fatal(err)
			}
			if s, ok := w.set.Customers.RememberedState("1000", "500"); ok && len(personalIn(s)) > 0 {
				t.Errorf("after the forget the process still remembers the customer decoded: %v", personalIn(s))
			}
			if s, _, err := w.set.Customers.Customer(ctx, "1000", "500"); err != nil || !s.Forgotten || len(personalIn(s)) > 0 {
				t.Errorf("the forgotten customer reads %+v, %v", s, err)
			}
		})
	}
}
