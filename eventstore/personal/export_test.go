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
