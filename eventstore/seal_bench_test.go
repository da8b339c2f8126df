package eventstore_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/eventstore/personal"
)

// benchSealed is benchStore with the write path's sealing (package personal) before each append,
// as the command handler does: payload400's personal members (name, e-mail) sealed with the
// customer's data key. With newKeys every stream gets its own key, made (and fsynced in the key
// store) at its first append — a customer created every 8 appends; without, each appender seals
// with one key of its own, already made — the cost of sealing alone.
func benchSealed(b *testing.B, c int, stream func(w, i int) string, newKeys bool) {
	dir := b.TempDir()
	s, err := eventstore.Open(filepath.Join(dir, "events.db"), eventstore.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ring, _ := personal.ParseMasterKeys("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
	keys, err := personal.OpenStore(filepath.Join(dir, "keys.db"), ring, personal.StoreOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer keys.Close()
	pd := personal.NewProtector(keys)
	ctx := context.Background()
	now := time.Now()
	runConcurrent(b, c, func(w, i int) error {
		id := uuid.Must(uuid.NewV7())
		st := stream(w, i)
		subject := st
		if !newKeys {
			subject = fmt.Sprintf("1000/customers/%d", w)
		}
		data, err := pd.SealEvent(ctx, subject, id, "CustomerCreated", payload400)
		if err != nil {
			return err
		}
		_, err = s.Append(ctx, eventstore.AppendRequest{
			Stream: st, ExpectedVersion: eventstore.Exact(uint64(i % 8)),
			Events: []eventstore.EventData{{ID: id, Type: "CustomerCreated", SchemaVersion: 1,
				Time: now, Actor: "bench", CorrelationID: "c", Data: data}},
		})
		return err
	})
}
