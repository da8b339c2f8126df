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
