package projections

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"
)

// TestMarshalEventIsJSONMarshal: the audit's encoder writes exactly what json.Marshal writes for
// every kind of value a stored event can hold, and fails where it fails.
func TestMarshalEventIsJSONMarshal(t *testing.T) {
	base := Event{ID: uuid.MustParse("01a1fe5f-0862-73d2-8305-e0bc362edc47"), Stream: "1000/customers/1000000096",
		Version: 1, Position: 50, Type: "CustomerCreated", SchemaVersion: 1,
		Time:  time.Date(2026, 11, 21, 13, 50, 3, 362238087, time.UTC),
		Actor: "ledgerbench-seed", CorrelationID: "ledgerbench-seed-96", Data: []byte(`{"a":1}`)}
	stockholm := time.FixedZone("CET", 3600)
	cases := map[string]func(e *Event){
		"plain":       func(*Event) {},
		"zero":        func(e *Event) { *e = Event{} },
		"nil data":    func(e *Event) { e.Data = nil },
		"empty data":  func(e *Event) { e.Data = []byte{} },
		"binary data": func(e *Event) { e.Data = []byte{0, 1, 2, 0xff, 0xfe} },
		"trace": func(e *Event) {
			e.TraceParent, e.TraceState = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "a=1,b=2"
		},
		"html":            func(e *Event) { e.Actor = "<script>&amp;</script>" },
		"quotes":          func(e *Event) { e.CorrelationID = `say "hi" \ bye` },
		"controls":        func(e *Event) { e.CausationID = "a\nb\tc\x00d\x1f\x7f" },
		"unicode":         func(e *Event) { e.Stream = "1000/customers/Åsa-Öberg-日本\u2028\u2029" },
		"invalid utf-8":   func(e *Event) { e.Type = "bad\xff\xfe\xc3" },
		"offset time":     func(e *Event) { e.Time = time.Date(2026, 1, 2, 3, 4, 5, 6, stockholm) },
		"no nanoseconds":  func(e *Event) { e.Time = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) },
		"big numbers":     func(e *Event) { e.Version, e.Position, e.SchemaVersion = 1<<64-1, 1<<63, -7 },
		"year 10000":      func(e *Event) { e.Time = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) },
		"negative year":   func(e *Event) { e.Time = time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC) },
		"nil uuid":        func(e *Event) { e.ID = uuid.Nil },
		"max uuid":        func(e *Event) { e.ID = uuid.Max },
		"monotonic clock": func(e *Event) { e.Time = time.Now() },
	}
	for name, change := range cases {
		t.Run(name, func(t *testing.T) {
			e := base
			change(&e)
			checkMarshalEvent(t, e)
		})
	}
}

func checkMarshalEvent(t *testing.T, e Event) {
	t.Helper()
	want, wantErr := json.Marshal(e)
	got, err := marshalEvent(e)
	if (err == nil) != (wantErr == nil) || (err != nil && err.Error() != wantErr.Error()) {
		t.Fatalf("error %v, json.Marshal's %v", err, wantErr)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("marshalEvent:\n%s\njson.Marshal:\n%s", got, want)
	}
}

func FuzzMarshalEvent(f *testing.F) {
	f.Add([]byte{1, 2, 3}, "1000/customers/1", "CustomerCreated", "actor", "corr", "<&>", "\u2028", int64(1), uint64(1), 1, []byte(`{"a":"b"}`))
	f.Add([]byte{}, "a\"b", "\xff", "", "\n", "", "x", int64(-62135596800000000), uint64(0), 0, []byte(nil))
	f.Fuzz(func(t *testing.T, id []byte, stream, typ, actor, corr, cause, trace string, ns int64, pos uint64, sv int, data []byte) {
		var e Event
		copy(e.ID[:], id)
		e.Stream, e.Type, e.Actor, e.CorrelationID, e.CausationID, e.TraceParent, e.TraceState = stream, typ, actor, corr, cause, trace, trace+actor
		e.Time = time.Unix(0, ns).UTC()
		e.Position, e.Version, e.SchemaVersion, e.Data = pos, pos/3, sv, data
		checkMarshalEvent(t, e)
	})
}

// BenchmarkMarshalEvent compares the audit's encoder with json.Marshal on a sealed
// CustomerCreated's envelope (ledgerbench's seed).
func BenchmarkMarshalEvent(b *testing.B) {
	e := Event{ID: uuid.MustParse("01a1fe5f-0862-73d2-8305-e0bc362edc47"), Stream: "1000/customers/1000000096",
		Version: 1, Position: 50, Type: "CustomerCreated", SchemaVersion: 1,
		Time:  time.Date(2026, 11, 21, 13, 50, 3, 362238087, time.UTC),
		Actor: "ledgerbench-seed", CorrelationID: "ledgerbench-seed-96", Data: bytes.Repeat([]byte("x"), 700)}
	b.Run("marshalEvent", func(b *testing.B) {
		for b.Loop() {
			marshalEvent(e)
		}
	})
	b.Run("json.Marshal", func(b *testing.B) {
		for b.Loop() {
			json.Marshal(e)
		}
	})
}
