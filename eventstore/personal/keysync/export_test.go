package keysync

import (
	"context"
	"time"

	"github.com/nordledger/ledger/eventstore/personal"
)

// Internals the tests of package keysync_test look at.
const PendingBatch = pendingBatch

var (
	EntryKey    = entryKey
	EncodeEntry = encodeEntry
	DecodeEntry = decodeEntry
)

// PublishPending publishes the key store's pending changes once.
func (p *Publisher) PublishPending(ctx context.Context) error { return p.publishPending(ctx) }

// Update hands the source a record as its watch of the bus does.
func (s *Source) Update(r personal.KeyRecord) { s.update(r) }

// SetIdle sets how long an idle Run waits before it looks at the bus again (default 30 s).
func (p *Publisher) SetIdle(d time.Duration) { p.idle = d }
