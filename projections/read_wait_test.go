package projections_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nordledger/ledger/eventstore/personal"
	"github.com/nordledger/ledger/projections"
)

// awaitingKeys is a reader replica's key source (keysync.Source) before the key bus has
// delivered a customer's key: DataKey waits for it until its context ends — here the client
// goes away (goneAway) while it waits. A context that never ends is reported instead of waited
// on, so the test cannot hang.
type awaitingKeys struct{ goneAway context.CancelFunc }

var errWaitsForever = errors.New("DataKey waits for a key with a context that never ends")

func (k *awaitingKeys) DataKey(ctx context.Context, subject string, create bool) (*personal.DataKey, error) {
	if ctx.Done() == nil {
		return nil, errWaitsForever
	}
	k.goneAway()
	<-ctx.Done()
	return nil, ctx.Err()
}

func (*awaitingKeys) Evict(string) {}

// TestReadWaitingForAKeyEndsWithTheRequest: on a reader replica a customer read that needs a
// data key the key bus has not delivered (a reader started while NATS is unreachable, a key bus
// that lost its bucket) waits for it. The wait must end with the read's context — the HTTP
// request — not go on forever with the read's goroutine and bbolt read transaction held.
func TestReadWaitingForAKeyEndsWithTheRequest(t *testing.T) {
	t.Cleanup(projections.SetWriteBackAge(time.Hour))
	w := openSealedWriter(t, t.TempDir())
	w.createSealed(t, "600", "198112189876")
	w.allEvents(t) // committed to the file

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pd := personal.NewProtector(&awaitingKeys{goneAway: cancel})
	_, _, err := projections.NewCustomers(w.db, natID).Protect(pd).Customer(ctx, "1000", "600")
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Customer: %v, want the request's context.Canceled", err)
	}
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	pd = personal.NewProtector(&awaitingKeys{goneAway: cancel})
	if _, _, err := projections.NewAudit(w.db).Protect(pd).CustomerAt(ctx, "1000", "600", 1, time.Time{}); !errors.Is(err, context.Canceled) {
		t.Errorf("CustomerAt: %v, want the request's context.Canceled", err)
	}
}
