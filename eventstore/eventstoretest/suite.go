// Package eventstoretest is the conformance suite every event store implementation must pass.
//
// An implementation's test calls Run with an Opener that opens (or reopens) a store in a
// directory. The suite checks ordering, every expected-version case, idempotency, unique-key
// reservations, concurrency, paging, subscriptions and reopening.
package eventstoretest

import (
	"context"
	"testing"

	"github.com/nordledger/ledger/eventstore"
)

// Store is the contract of an event store, as implemented by *eventstore.Store.
type Store interface {
	Append(ctx context.Context, req eventstore.AppendRequest) (eventstore.AppendResult, error)
	ReadAll(ctx context.Context, from uint64, limit int) ([]eventstore.Event, error)
	ReadStream(ctx context.Context, stream string, from uint64, limit int) ([]eventstore.Event, error)
	StreamVersion(ctx context.Context, stream string) (uint64, error)
	ReservationHolder(ctx context.Context, key string) (string, bool, error)
	Head(ctx context.Context) (uint64, error)
	Subscribe(ctx context.Context, from uint64) *eventstore.Subscription
	Close() error
}

// Opener opens the store kept in dir, creating it when dir is empty. Called again with the same
// dir after Close, it must reopen the same data. The opener registers its own cleanup.
type Opener func(t *testing.T, dir string) Store

// Run runs the whole suite.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(*testing.T, Opener)
	}{
		{"AppendAndRead", testAppendAndRead},
		{"EnvelopeRoundTrip", testEnvelopeRoundTrip},
		{"ExpectedVersion", testExpectedVersion},
		{"Idempotency", testIdempotency},
		{"Reservations", testReservations},
		{"FailedAppendWritesNothing", testFailedAppendWritesNothing},
		{"InvalidRequests", testInvalidRequests},
		{"ConcurrentAppendersOneStream", testConcurrentOneStream},
		{"ConcurrentAppendersDistinctStreams", testConcurrentDistinctStreams},
		{"Paging", testPaging},
		{"SubscribeCatchUpThenLive", testSubscribeCatchUpThenLive},
		{"SubscribeManySubscribers", testSubscribeMany},
		{"SubscribeCancelAndClose", testSubscribeCancelAndClose},
		{"Reopen", testReopen},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open) })
	}
}
