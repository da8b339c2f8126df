package eventstore

// EncodeRecord returns the stored record of e, for tests that write damaged files.
func EncodeRecord(e Event) []byte { return appendRecord(nil, &e) }

// SetMaxHeldEvents sets how many events the pipeline holds for a lagging applier; the returned
// function restores it.
func SetMaxHeldEvents(n int) (restore func()) {
	old := maxHeldEvents
	maxHeldEvents = n
	return func() { maxHeldEvents = old }
}

// SetCommitFault makes every group's transaction fail with f's error (when not nil) after its
// appends were applied; the returned function restores it.
func SetCommitFault(f func() error) (restore func()) {
	old := commitFault
	commitFault = f
	return func() { commitFault = old }
}
