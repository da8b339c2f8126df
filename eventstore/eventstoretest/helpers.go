package eventstoretest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nordledger/ledger/eventstore"
)

// NewEvent returns a valid event whose data is {"n":n}.
func NewEvent(typ string, n int) eventstore.EventData {
	return eventstore.EventData{
		ID:            uuid.Must(uuid.NewV7()),
		Type:          typ,
		SchemaVersion: 1,
		Time:          time.Now().UTC(),
		Actor:         "tester",
		CorrelationID: "corr-" + fmt.Sprint(n),
		Data:          []byte(fmt.Sprintf(`{"n":%d}`, n)),
	}
}

func events(typ string, from, count int) []eventstore.EventData {
	out := make([]eventstore.EventData, count)
	for i := range out {
		out[i] = NewEvent(typ, from+i)
	}
	return out
}

func mustAppend(t *testing.T, s Store, req eventstore.AppendRequest) eventstore.AppendResult {
	t.Helper()
	res, err := s.Append(context.Background(), req)
	if err != nil {
		t.Fatalf("Append(%s, %s): %v", req.Stream, req.ExpectedVersion, err)
	}
	return res
}

func readAll(t *testing.T, s Store) []eventstore.Event {
	t.Helper()
	var out []eventstore.Event
	for from := uint64(1); ; {
		batch, err := s.ReadAll(context.Background(), from, 1000)
		if err != nil {
			t.Fatalf("ReadAll(%d): %v", from, err)
		}
		if len(batch) == 0 {
			return out
		}
		out = append(out, batch...)
		from = batch[len(batch)-1].Position + 1
	}
}

func readStream(t *testing.T, s Store, stream string) []eventstore.Event {
	t.Helper()
	var out []eventstore.Event
	for from := uint64(1); ; {
		batch, err := s.ReadStream(context.Background(), stream, from, 1000)
		if err != nil {
			t.Fatalf("ReadStream(%s, %d): %v", stream, from, err)
		}
		if len(batch) == 0 {
			return out
		}
		out = append(out, batch...)
		from = batch[len(batch)-1].Version + 1
	}
}

func head(t *testing.T, s Store) uint64 {
	t.Helper()
	h, err := s.Head(context.Background())
	if err != nil {
		t.Fatalf("Head: %v", err)
	}
	return h
}

// checkGapFree fails unless the log's positions are exactly 1..len and every stream's versions are
// 1..n in position order.
func checkGapFree(t *testing.T, log []eventstore.Event) {
	t.Helper()
	versions := map[string]uint64{}
	for i, e := range log {
		if e.Position != uint64(i+1) {
			t.Fatalf("event %d has position %d", i+1, e.Position)
		}
		versions[e.Stream]++
		if e.Version != versions[e.Stream] {
			t.Fatalf("position %d: stream %s version %d, want %d", e.Position, e.Stream, e.Version, versions[e.Stream])
		}
	}
}

// receive reads n events from sub, failing after a generous timeout (a hang, not a timing claim).
func receive(t *testing.T, sub *eventstore.Subscription, n int) []eventstore.Event {
	t.Helper()
	out := make([]eventstore.Event, 0, n)
	timeout := time.After(30 * time.Second)
	for len(out) < n {
		select {
		case e, ok := <-sub.C:
			if !ok {
				t.Fatalf("subscription closed after %d of %d events: %v", len(out), n, sub.Err())
			}
			out = append(out, e)
		case <-timeout:
			t.Fatalf("subscription delivered %d of %d events", len(out), n)
		}
	}
	return out
}
