package eventstore_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nordledger/ledger/eventstore"
)

// TestTraceContextStored: events keep their trace context across a reopen (record format 2),
// next to events without it (format 1, as every event stored before trace context was).
func TestTraceContextStored(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.db")
	s, err := eventstore.Open(path, eventstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	const tp, ts = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "rojo=1"
	ev := func(traceParent, traceState string) eventstore.EventData {
		return eventstore.EventData{ID: uuid.Must(uuid.NewV7()), Type: "T", SchemaVersion: 1, Time: time.Now(), Actor: "a",
			CorrelationID: "c", CausationID: "k", TraceParent: traceParent, TraceState: traceState, Data: []byte(`{"x":1}`)}
	}
	if _, err := s.Append(ctx, eventstore.AppendRequest{Stream: "1000/customers/1",
		Events: []eventstore.EventData{ev("", ""), ev(tp, ts), ev(tp, "")}}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if s, err = eventstore.Open(path, eventstore.Options{}); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	events, err := s.ReadStream(ctx, "1000/customers/1", 1, 10)
	if err != nil {
		t.Fatal(err)
	}
	want := [][2]string{{"", ""}, {tp, ts}, {tp, ""}}
	if len(events) != 3 {
		t.Fatalf("read %d events", len(events))
	}
	for i, e := range events {
		if e.TraceParent != want[i][0] || e.TraceState != want[i][1] || e.Actor != "a" || e.CausationID != "k" || string(e.Data) != `{"x":1}` {
			t.Errorf("event %d: %+v", i+1, e)
		}
	}
	if rep, err := s.Check(ctx, eventstore.CheckOptions{}); err != nil || !rep.OK() {
		t.Errorf("Check: %+v, %v", rep, err)
	}
}
