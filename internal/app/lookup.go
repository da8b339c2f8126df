package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/eventstore/personal"
)

// RecordLookup stores a customer-details look-up as a CustomerDetailsLookedUp event in the
// look-up stream of the matched customer, or in the ledger's stream of unmatched look-ups
// (domain.LookupStreamName) — never in the customer's own stream, so the customer's version
// (its ETag) does not move. The event is acknowledged after fsync, like every command; a caller
// must not disclose anything until it has been recorded.
//
// The stream is an append-only record nothing decides on, so the append expects any version:
// concurrent look-ups of one customer never conflict.
//
// A matched customer forgotten meanwhile (its data key destroyed, so the result cannot be sealed
// with it) is recorded as a look-up that matched nobody: the Result's CustomerNo is then empty,
// and the caller must answer as for no match.
//
// A look-up stored while the read models cannot show it yet is recorded: the Result says so
// (Changed, its version and position) together with the error matching eventstore.ErrNotApplied,
// as Execute's does — the caller may answer, the record exists.
func (h *Handler) RecordLookup(ctx context.Context, ledgerNo string, e domain.CustomerDetailsLookedUp, meta Meta) (res Result, err error) {
	ctx, meta, span := startCommand(ctx, meta, "recordLookup") // trace.go
	if span.IsRecording() {
		defer func() { endCommand(span, 1, res, err) }()
	}
	switch e.Result {
	case domain.LookupFound, domain.LookupWithheld:
		if e.CustomerNo == "" {
			return Result{}, fmt.Errorf("commands: a %s look-up needs the customer number", e.Result)
		}
	case domain.LookupNotFound:
		if e.CustomerNo != "" {
			return Result{}, fmt.Errorf("commands: a %s look-up has no customer number", e.Result)
		}
	default:
		return Result{}, fmt.Errorf("commands: unknown look-up result %q", e.Result)
	}
	appended, err := h.append(ctx, ledgerNo, domain.LookupStreamName(ledgerNo, e.CustomerNo), eventstore.Any, []domain.Event{e}, meta, nil)
	if errors.Is(err, personal.ErrKeyDestroyed) {
		// The customer was forgotten after the search: its result cannot be sealed, and nothing
		// of it may be disclosed. Recorded as matching nobody; the Result says so (no customer).
		e.CustomerNo, e.Result = "", domain.LookupNotFound
		appended, err = h.append(ctx, ledgerNo, domain.LookupStreamName(ledgerNo, ""), eventstore.Any, []domain.Event{e}, meta, nil)
	}
	if err != nil && (!errors.Is(err, eventstore.ErrNotApplied) || appended.Version == 0) {
		return Result{}, err // not stored
	}
	return Result{CustomerNo: e.CustomerNo, Version: appended.Version, Position: appended.LastPosition, Changed: true}, err
}
