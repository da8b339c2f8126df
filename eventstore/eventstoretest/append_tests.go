package eventstoretest

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nordledger/ledger/eventstore"
)

func testAppendAndRead(t *testing.T, open Opener) {
	s := open(t, t.TempDir())
	if h := head(t, s); h != 0 {
		t.Fatalf("empty store head = %d", h)
	}
	r1 := mustAppend(t, s, eventstore.AppendRequest{Stream: "a", ExpectedVersion: eventstore.NoStream, Events: events("T", 1, 3)})
	r2 := mustAppend(t, s, eventstore.AppendRequest{Stream: "b", ExpectedVersion: eventstore.NoStream, Events: events("T", 4, 1)})
	r3 := mustAppend(t, s, eventstore.AppendRequest{Stream: "a", ExpectedVersion: eventstore.Exact(3), Events: events("T", 5, 2)})
	for _, c := range []struct {
		got, want eventstore.AppendResult
	}{
		{r1, eventstore.AppendResult{FirstPosition: 1, LastPosition: 3, Version: 3}},
		{r2, eventstore.AppendResult{FirstPosition: 4, LastPosition: 4, Version: 1}},
		{r3, eventstore.AppendResult{FirstPosition: 5, LastPosition: 6, Version: 5}},
	} {
		if c.got != c.want {
			t.Errorf("result = %+v, want %+v", c.got, c.want)
		}
	}
	if h := head(t, s); h != 6 {
		t.Fatalf("head = %d, want 6", h)
	}
	log := readAll(t, s)
	checkGapFree(t, log)
	for i, e := range log {
		if want := []byte(`{"n":` + string(rune('0'+i+1)) + `}`); !bytes.Equal(e.Data, want) {
			t.Errorf("position %d data = %s, want %s", e.Position, e.Data, want)
		}
	}
	a := readStream(t, s, "a")
	if len(a) != 5 || a[3].Position != 5 || a[4].Version != 5 {
		t.Fatalf("stream a = %+v", a)
	}
	if got := readStream(t, s, "nope"); len(got) != 0 {
		t.Fatalf("unknown stream has %d events", len(got))
	}
	// A stream whose name is a prefix of another must not see the other's events.
	mustAppend(t, s, eventstore.AppendRequest{Stream: "a1", ExpectedVersion: eventstore.Any, Events: events("T", 9, 1)})
	if got := readStream(t, s, "a"); len(got) != 5 {
		t.Fatalf("stream a has %d events after appending to a1", len(got))
	}
	if v, err := s.StreamVersion(context.Background(), "a"); err != nil || v != 5 {
		t.Fatalf("StreamVersion(a) = %d, %v", v, err)
	}
}

func testEnvelopeRoundTrip(t *testing.T, open Opener) {
	s := open(t, t.TempDir())
	when := time.Date(2026, 3, 3, 12, 30, 45, 123456789, time.FixedZone("CET", 3600))
	in := eventstore.EventData{
		ID: uuid.Must(uuid.NewV7()), Type: "CustomerCreated", SchemaVersion: 3, Time: when,
		Actor: "auditor@example", CorrelationID: "c-1", CausationID: "cause-1",
		Data: []byte(`{"name":"Tolvan Tolvansson","nested":{"å":[1,2,3]}}`),
	}
	mustAppend(t, s, eventstore.AppendRequest{Stream: "1000/customers/9999", ExpectedVersion: eventstore.NoStream, Events: []eventstore.EventData{in}})
	got := readAll(t, s)[0]
	want := eventstore.Event{ID: in.ID, Stream: "1000/customers/9999", Version: 1, Position: 1, Type: in.Type,
		SchemaVersion: 3, Time: when.UTC(), Actor: in.Actor, CorrelationID: in.CorrelationID, CausationID: in.CausationID, Data: in.Data}
	if !got.Time.Equal(want.Time) || got.Time.Location() != time.UTC {
		t.Errorf("time = %v, want %v in UTC", got.Time, want.Time)
	}
	got.Time, want.Time = time.Time{}, time.Time{}
	if got.ID != want.ID || got.Stream != want.Stream || got.Version != want.Version || got.Position != want.Position ||
		got.Type != want.Type || got.SchemaVersion != want.SchemaVersion || got.Actor != want.Actor ||
		got.CorrelationID != want.CorrelationID || got.CausationID != want.CausationID || !bytes.Equal(got.Data, want.Data) {
		t.Errorf("event = %+v\nwant    %+v", got, want)
	}
}

func testExpectedVersion(t *testing.T, open Opener) {
	s := open(t, t.TempDir())
	ctx := context.Background()
	mustAppend(t, s, eventstore.AppendRequest{Stream: "s", ExpectedVersion: eventstore.NoStream, Events: events("T", 1, 2)})
	cases := []struct {
		name     string
		stream   string
		expected eventstore.ExpectedVersion
		ok       bool
		actual   uint64
	}{
		{"no-stream on existing", "s", eventstore.NoStream, false, 2},
		{"exact 0 on existing", "s", eventstore.Exact(0), false, 2},
		{"exact stale", "s", eventstore.Exact(1), false, 2},
		{"exact ahead", "s", eventstore.Exact(3), false, 2},
		{"stream-exists on missing", "new1", eventstore.StreamExists, false, 0},
		{"exact on missing", "new2", eventstore.Exact(1), false, 0},
		{"exact current", "s", eventstore.Exact(2), true, 0},
		{"stream-exists on existing", "s", eventstore.StreamExists, true, 0},
		{"any on existing", "s", eventstore.Any, true, 0},
		{"any on missing", "new3", eventstore.Any, true, 0},
		{"no-stream on missing", "new4", eventstore.NoStream, true, 0},
	}
	for _, c := range cases {
		before := head(t, s)
		_, err := s.Append(ctx, eventstore.AppendRequest{Stream: c.stream, ExpectedVersion: c.expected, Events: events("T", 10, 1)})
		if c.ok {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		if !errors.Is(err, eventstore.ErrWrongExpectedVersion) {
			t.Errorf("%s: err = %v, want ErrWrongExpectedVersion", c.name, err)
			continue
		}
		var wev *eventstore.WrongExpectedVersionError
		if !errors.As(err, &wev) || wev.Actual != c.actual || wev.Stream != c.stream || wev.Expected != c.expected {
			t.Errorf("%s: err = %#v, want actual %d", c.name, wev, c.actual)
		}
		if h := head(t, s); h != before {
			t.Errorf("%s: a failed append moved the head from %d to %d", c.name, before, h)
		}
	}
}

func testIdempotency(t *testing.T, open Opener) {
	s := open(t, t.TempDir())
	ctx := context.Background()
	req := eventstore.AppendRequest{Stream: "s", ExpectedVersion: eventstore.NoStream, Events: events("T", 1, 3)}
	first := mustAppend(t, s, req)
	mustAppend(t, s, eventstore.AppendRequest{Stream: "s", ExpectedVersion: eventstore.Any, Events: events("T", 4, 1)})

	// The same request again (a client retry after a lost response), even with its now-stale
	// expected version, returns the original result and writes nothing.
	again, err := s.Append(ctx, req)
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
	if want := (eventstore.AppendResult{FirstPosition: 1, LastPosition: 3, Version: 3, Duplicate: true}); again != want || first.Duplicate {
		t.Fatalf("retry = %+v (first %+v), want %+v", again, first, want)
	}
	if h := head(t, s); h != 4 {
		t.Fatalf("head after retry = %d, want 4", h)
	}

	reused := func(name string, r eventstore.AppendRequest) {
		t.Helper()
		before := head(t, s)
		_, err := s.Append(ctx, r)
		if !errors.Is(err, eventstore.ErrEventIDReused) {
			t.Errorf("%s: err = %v, want ErrEventIDReused", name, err)
		}
		if h := head(t, s); h != before {
			t.Errorf("%s: head moved from %d to %d", name, before, h)
		}
	}
	changed := req
	changed.Events = append([]eventstore.EventData(nil), req.Events...)
	changed.Events[1].Data = []byte(`{"n":99}`)
	reused("same id, other data", changed)

	otherType := req
	otherType.Events = append([]eventstore.EventData(nil), req.Events...)
	otherType.Events[0].Type = "Other"
	reused("same id, other type", otherType)

	otherStream := req
	otherStream.Stream = "elsewhere"
	reused("same ids, other stream", otherStream)

	extended := req
	extended.Events = append(append([]eventstore.EventData(nil), req.Events...), NewEvent("T", 7))
	reused("stored ids followed by a new one", extended)

	newThenOld := eventstore.AppendRequest{Stream: "s", ExpectedVersion: eventstore.Any, Events: []eventstore.EventData{NewEvent("T", 8), req.Events[0]}}
	reused("a new id followed by a stored one", newThenOld)

	reordered := eventstore.AppendRequest{Stream: "s", ExpectedVersion: eventstore.Any, Events: []eventstore.EventData{req.Events[1], req.Events[0]}}
	reused("stored ids out of order", reordered)

	e := NewEvent("T", 9)
	reused("one id twice in a request", eventstore.AppendRequest{Stream: "t", ExpectedVersion: eventstore.Any, Events: []eventstore.EventData{e, e}})

	// Stored events re-appended in their stored order are a retry too, wherever they are.
	single := eventstore.AppendRequest{Stream: "s", ExpectedVersion: eventstore.Any, Events: []eventstore.EventData{req.Events[1]}}
	if got, err := s.Append(ctx, single); err != nil || got != (eventstore.AppendResult{FirstPosition: 2, LastPosition: 2, Version: 2, Duplicate: true}) {
		t.Errorf("retry of a stored event = %+v, %v", got, err)
	}
	checkGapFree(t, readAll(t, s))
}
