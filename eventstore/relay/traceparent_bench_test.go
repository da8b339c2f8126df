package relay_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/eventstore/relay"
)

// BenchmarkTraceparentAtTheServer: what a message's traceparent costs the NATS server that
// stores it. nats-server (msgtrace.go, genHeaderMapIfTraceHeadersPresent) parses the headers of
// every published message that carries a sampled traceparent into a map, to look for a message
// trace destination the account does not have; the relay's messages carry one whenever the
// request's trace is sampled — always when tracing is off, where a request without trace context
// starts a sampled trace. The same events published to JetStream (stored, acknowledged) with a
// sampled traceparent, an unsampled one and none; the server runs in the process, so B/op and
// allocs/op count its allocations too.
//
//	go test -run '^$' -bench TraceparentAtTheServer -benchtime 20000x -count 3 ./eventstore/relay
func BenchmarkTraceparentAtTheServer(b *testing.B) {
	srv := benchServer(b, time.Second) // fsync every second, as ledgerd's embedded server
	nc := connect(b, srv.ClientURL())
	js := newJetStream(b, nc)
	for _, c := range []struct{ name, traceparent string }{
		{"sampled", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
		{"unsampled", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"},
		{"none", ""},
	} {
		b.Run(c.name, func(b *testing.B) {
			events := make([]eventstore.Event, b.N)
			for i := range events {
				d := newEventData(i)
				events[i] = eventstore.Event{ID: uuid.Must(uuid.NewV7()), Stream: fmt.Sprintf("%s/customers/%d", testLedger, 1+i%17),
					Version: uint64(1 + i/17), Position: uint64(i + 1), Type: d.Type, SchemaVersion: d.SchemaVersion, Time: d.Time,
					Actor: d.Actor, CorrelationID: d.CorrelationID, CausationID: d.CausationID, TraceParent: c.traceparent, Data: d.Data}
			}
			msgs := rawMessages(b, events)
			resetStream(b, js)
			raw, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(len(msgs)))
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for _, m := range msgs {
				if _, err := raw.PublishMsgAsync(m); err != nil {
					b.Fatal(err)
				}
			}
			<-raw.PublishAsyncComplete()
			b.StopTimer()
			stream, err := js.Stream(b.Context(), relay.DefaultStreamName)
			if err != nil {
				b.Fatal(err)
			}
			if info, err := stream.Info(b.Context()); err != nil || info.State.Msgs != uint64(b.N) {
				b.Fatalf("the stream holds %+v (%v), want %d messages", info, err, b.N)
			}
		})
	}
}
