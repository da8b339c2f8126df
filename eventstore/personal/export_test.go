package personal

// SetBeforeCreatePending makes DataKey call f between finding no record of a subject and making
// its pending key (StoreOptions.DeferCreates); the returned function restores it.
func SetBeforeCreatePending(f func(subject string)) (restore func()) {
	old := beforeCreatePending
	beforeCreatePending = f
	return func() { beforeCreatePending = old }
}

// SetAfterTombstones makes Destroy call f once its tombstones are committed, before the file is
// rewritten; the returned function restores it.
func SetAfterTombstones(f func()) (restore func()) {
	old := afterTombstones
	afterTombstones = f
	return func() { afterTombstones = old }
}

// ExclusiveWaiting reports whether a caller waits to hold the store exclusively (Destroy,
// Compact, Close) while a backup runs.
func ExclusiveWaiting(s *Store) bool {
	if s.backups.TryRLock() {
		s.backups.RUnlock()
		return false
	}
	return true
}

// SetAfterHeldMarks makes the writer's commits (and CommitPending) call f once they have taken
// the held marks and the sequence they reach, before they write them; the returned function
// restores it. Set it before the store opens, restore it after it closes.
func SetAfterHeldMarks(f func(seq uint64)) (restore func()) {
	old := afterHeldMarks
	afterHeldMarks = f
	return func() { afterHeldMarks = old }
}

// CommitLockFree reports whether nothing holds the lock the writer's commits and SetBusSeq take
// (dbMu) at this moment.
func CommitLockFree(s *Store) bool {
	if s.dbMu.TryLock() {
		s.dbMu.Unlock()
		return true
	}
	return false
}
