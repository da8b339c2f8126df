package projections

import (
	"context"
	"errors"

	"github.com/nordledger/ledger/eventstore"
)

// Follow feeds the runner from a log whose commit pipeline does not (a store opened without
// eventstore.Options.Applier, by tools and tests): it applies the events already stored and
// then each new one as it is committed — decoded from the log, through Apply, the code the
// pipeline runs — until ctx ends (it then returns nil), the store closes (nil) or a projection
// fails (its error). A writer's runner is its store's Applier instead.
func (r *Runner) Follow(ctx context.Context, store *eventstore.Store) (err error) {
	defer func() { // what Apply applied is in the file when Follow returns (writeback.go)
		if cerr := r.commitOpen(); err == nil {
			err = cerr
		}
	}()
	sub := store.Subscribe(ctx, r.Position()+1)
	for e := range sub.C {
		batch := []Event{e}
	more:
		for len(batch) < maxBatch {
			select {
			case next, ok := <-sub.C:
				if !ok {
					break more
				}
				batch = append(batch, next)
			default:
				break more
			}
		}
		if err := r.Apply(ctx, store, batch[len(batch)-1].Position, batch); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
	}
	if err := sub.Err(); err != nil && !errors.Is(err, eventstore.ErrClosed) {
		return err
	}
	return nil
}
