package relay

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/eventstore/wire"
)

// BenchmarkEventMessage compares the two ways to build an event's NATS message: through a
// Watermill message (wire.NewMessage, then toNATS, as Send does) and straight from wire.Headers
// (eventMsg, as SendEvents does).
func BenchmarkEventMessage(b *testing.B) {
	e := eventstore.Event{
		ID: uuid.Must(uuid.NewV7()), Stream: "1000/customers/123456", Version: 1, Position: 123456,
		Type: "CustomerCreated", SchemaVersion: 1, Time: time.Now(), Actor: "client-7", CorrelationID: "req-0123456789",
		TraceParent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
		Data:        []byte(`{"customerNo":"123456","legalStatus":"active","source":"api"}`),
	}
	ctx := context.Background()
	b.Run("watermill", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			m, err := wire.NewMessage(e)
			if err != nil {
				b.Fatal(err)
			}
			m.Metadata.Set(wire.HeaderExpectedStream, DefaultStreamName)
			m.SetContext(ctx)
			if _, _, err := toNATS("", m); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("direct", func(b *testing.B) {
		b.ReportAllocs()
		stream := []string{DefaultStreamName}
		for b.Loop() {
			if _, err := eventMsg(ctx, stream, e); err != nil {
				b.Fatal(err)
			}
		}
	})
}
