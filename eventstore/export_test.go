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

// LoseClaimsLookup empties the writer's in-memory look-up of the unique keys, as a commit whose
// meta page reached the file before its fsync failed leaves it: the file holds claims the look-up
// does not.
func (s *Store) LoseClaimsLookup() {
	s.claims.Drop()
	s.claims.Load(func(func([]byte, uint64)) error { return nil })
}
