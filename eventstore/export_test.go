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
