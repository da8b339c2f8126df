package eventstore

import "time"

// Observer is told of the store's work, for metrics (ledgerd exports it to Prometheus). Its
// methods are called synchronously — ObserveCommit on the writer goroutine, between commits —
// so they must be fast and safe for concurrent use.
type Observer interface {
	// ObserveAppend: one Append call finished, d after it was called (the wait for its group
	// commit and fsync included); err is its outcome (nil, a request error such as
	// ErrWrongExpectedVersion, or a failure).
	ObserveAppend(d time.Duration, err error)
	// ObserveCommit: one group commit of appends (its transaction and fsync took d); err is
	// non-nil when the transaction failed.
	ObserveCommit(appends int, d time.Duration, err error)
}

// observeAppend reports an append that reached the writer.
func (s *Store) observeAppend(start time.Time, err error) {
	if s.opts.Observer != nil {
		s.opts.Observer.ObserveAppend(time.Since(start), err)
	}
}
