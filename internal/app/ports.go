package app

import (
	"context"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore"
)

// The ports of the application layer: what the use cases need of the world, implemented by the
// adapters and wired by cmd/*. Their types are the event log's contract (package eventstore:
// events, append requests, expected versions, errors), not its bbolt implementation.

// StreamReader reads a stream's events in version order (implemented by *eventstore.Store).
type StreamReader interface {
	ReadStream(ctx context.Context, stream string, from uint64, limit int) ([]eventstore.Event, error)
}

// EventLog is the event log the commands run against (implemented by *eventstore.Store): appends
// with an expected version and reservations, a stream's events and head, and Await, which
// returns once the read models hold a position (the log's commit pipeline applies every group
// before it answers its appends).
type EventLog interface {
	StreamReader
	Append(ctx context.Context, req eventstore.AppendRequest) (eventstore.AppendResult, error)
	StreamHead(ctx context.Context, stream string) (version, position uint64, err error)
	Await(ctx context.Context, pos uint64) error
}

// Snapshots gives customers' states as the read models hold them (implemented by
// *projections.Customers); a state's Version says which event it is the state after.
type Snapshots interface {
	Customer(ctx context.Context, ledgerNo, customerNo string) (domain.CustomerState, bool, error)
}

// KeyDestroyer destroys data keys (implemented by *personal.Store).
type KeyDestroyer interface {
	Destroy(ctx context.Context, subjects ...string) error
}

var _ EventLog = (*eventstore.Store)(nil)
