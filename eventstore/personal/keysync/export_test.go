package keysync

import "context"

// Internals the tests of package keysync_test look at.
const PendingBatch = pendingBatch

var (
	EntryKey    = entryKey
	EncodeEntry = encodeEntry
	DecodeEntry = decodeEntry
)

// PublishPending publishes the key store's pending changes once.
func (p *Publisher) PublishPending(ctx context.Context) error { return p.publishPending(ctx) }
