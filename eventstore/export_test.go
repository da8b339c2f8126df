package eventstore

// EncodeRecord returns the stored record of e, for tests that write damaged files.
func EncodeRecord(e Event) []byte { return appendRecord(nil, &e) }
