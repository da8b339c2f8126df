// Package eventstore is the durable, append-only event log of the ledger, kept in a bbolt file.
//
// Every change to a customer is an event appended to the stream of that customer
// ("{ledgerNo}/customers/{customerNo}"). The log gives each event a stream version (1-based,
// gap-free within its stream) and a global position (1-based, gap-free across the whole log).
//
// Guarantees:
//
//   - An append returns only after its events are on disk (bbolt commit with fdatasync). Appends
//     that wait while a commit is running are group-committed: one transaction, one fsync.
//   - Optimistic concurrency: an append names the stream version it expects (see ExpectedVersion);
//     a mismatch fails with an error that matches ErrWrongExpectedVersion and carries the actual
//     version. One append failing its checks never fails the others in its group.
//   - Idempotency: re-appending events whose ids are already stored in that stream, in the same
//     order and with the same content, returns the original result and writes nothing.
//   - Unique keys: an append may claim and release keys (for rules such as "a national identifier
//     is unique within a ledger") in the same transaction as its events. Keys are opaque strings;
//     callers hash personal values with a keyed hash before using them as keys.
//
// The stored record format is documented in docs/eventstore.md and in codec.go; stored bytes must
// stay readable forever, so the format is versioned.
package eventstore
