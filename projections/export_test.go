package projections

import (
	"time"

	"github.com/nordledger/ledger/domain"
)

// SetWriteBackAge sets how old the write-back transaction commits (writeBackAge) until the
// returned function restores it.
func SetWriteBackAge(d time.Duration) (restore func()) {
	old := writeBackAge
	writeBackAge = d
	return func() { writeBackAge = old }
}

// SetCommitFault makes the runner's write-back commits fail with fault's error (nil: commit);
// nil removes it.
func (r *Runner) SetCommitFault(fault func() error) {
	r.applyMu.Lock()
	defer r.applyMu.Unlock()
	r.wb.fault = fault
}

// SetWriteBackEvents sets how many events make the write-back transaction commit until the
// returned function restores it.
func SetWriteBackEvents(n int) (restore func()) {
	old := writeBackEvents
	writeBackEvents = n
	return func() { writeBackEvents = old }
}

// HoldApply holds the runner's applier lock — as an applier stuck retrying a commit on a full
// disk does — until release is called: the groups committed to the log meanwhile are not
// applied.
func (r *Runner) HoldApply() (release func()) {
	r.applyMu.Lock()
	return r.applyMu.Unlock
}

// RememberedState returns what the customer projection remembers decoded for a customer
// (stateCache), whatever bytes it was decoded from.
func (p *Customers) RememberedState(ledgerNo, customerNo string) (domain.CustomerState, bool) {
	sh := p.states.shard(ledgerNo + "/" + customerNo)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	e, ok := sh.m[ledgerNo+"/"+customerNo]
	return e.state, ok
}

// LoseNationalIDIndex empties the national-identifier index held in memory, as a commit whose
// meta page reached the file before its fsync failed leaves it: the file holds entries the index
// does not.
func (p *Customers) LoseNationalIDIndex() {
	p.natIDs.Drop()
	p.natIDs.Load(func(func([]byte, uint64)) error { return nil })
}
