package datadir

import (
	"context"
	"errors"
	"fmt"

	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/eventstore/personal"
)

// ErrNoKeyStore: the key store is missing while the event log holds sealed personal data — a
// restore of events.db alone, or a wrong key-store path.
var ErrNoKeyStore = errors.New("the event log holds sealed personal data but there is no key store to open it")

// CheckSealedWithoutKeyStore reads log and returns an error matching ErrNoKeyStore, naming the
// first sealed event and keysPath, when it holds a sealed event; nil when it holds none (a new
// log, or one written before sealing). Callers ask it only when the key store's file is missing:
// a writer then refuses to make a new key store (its keys would be overwritten when the right one
// is restored), and a check names the missing file rather than every event it cannot open.
func CheckSealedWithoutKeyStore(ctx context.Context, log *eventstore.Store, keysPath string) error {
	for next := uint64(1); ; {
		events, err := log.ReadAll(ctx, next, eventstore.MaxReadLimit)
		if err != nil {
			return fmt.Errorf("checking the event log for sealed events: %w", err)
		}
		for _, e := range events {
			if personal.IsSealed(e.Data) {
				return fmt.Errorf("%w (event %d of %s): restore the key store %s from its backup (taken after the log's), or name it (key-store setting)",
					ErrNoKeyStore, e.Position, e.Stream, keysPath)
			}
		}
		if len(events) == 0 {
			return nil
		}
		next = events[len(events)-1].Position + 1
	}
}
