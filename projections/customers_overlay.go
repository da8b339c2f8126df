package projections

import (
	"sync"
	"sync/atomic"

	bolt "go.etcd.io/bbolt"
)

// written is what the runner's open write-back transaction wrote to the customers bucket
// (writeback.go), for Customers.Customer: a customer's state is read by every GET, PATCH and PUT,
// and a read that made the transaction commit would bring back the commit per group that the
// write-back saves. A key's entry is the value the transaction holds for it; the runner drops
// them all once the file holds them (Customers implements overlay).
type written struct {
	mu sync.RWMutex
	m  map[string][]byte
	// staged holds what the group being applied wrote, until the whole group is applied
	// (publishOverlay): a group that fails halfway is never seen. Only the applier touches it.
	staged map[string][]byte
	// forgotten are the customers the group being applied forgot: their remembered states are
	// dropped again once the group is published (Customers.forget). Only the applier touches it.
	forgotten []string
	// natIDs is set while the write-back transaction holds changes of the national-identifier
	// index: find-customer then makes it commit first (the index learns them as it commits);
	// otherwise the file's index is the transaction's (a look-up, which appends its own event
	// each time, need not wait for a commit).
	natIDs atomic.Bool
}

// natIDsWritten records that tx changes the national-identifier index, if tx is the write-back
// transaction.
func (p *Customers) natIDsWritten(tx *bolt.Tx) {
	if tx == p.db.back.Load() {
		p.written.natIDs.Store(true)
	}
}

// put records that the write-back transaction holds v under key once the group being applied is
// (publish); v is not changed afterwards.
func (w *written) put(key string, v []byte) {
	if w.staged == nil {
		w.staged = make(map[string][]byte)
	}
	w.staged[key] = v
}

// get returns what the write-back transaction holds under key, if it wrote it.
func (w *written) get(key string) ([]byte, bool) {
	w.mu.RLock()
	v, ok := w.m[key]
	w.mu.RUnlock()
	return v, ok
}

// publishOverlay implements overlay.
func (p *Customers) publishOverlay() {
	w := &p.written
	if len(w.staged) > 0 {
		w.mu.Lock()
		if w.m == nil {
			w.m = make(map[string][]byte, len(w.staged))
		}
		for k, v := range w.staged {
			w.m[k] = v
		}
		w.mu.Unlock()
		clear(w.staged)
	}
	for _, k := range w.forgotten {
		p.states.drop(k)
	}
	w.forgotten = w.forgotten[:0]
}

// discardOverlay implements overlay.
func (p *Customers) discardOverlay() {
	clear(p.written.staged)
	p.written.forgotten = p.written.forgotten[:0]
}

// dropOverlay implements overlay.
func (p *Customers) dropOverlay() {
	p.written.mu.Lock()
	p.written.m = nil
	p.written.natIDs.Store(false)
	p.written.mu.Unlock()
}

var _ overlay = (*Customers)(nil)
