package eventstoretest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nordledger/ledger/eventstore"
)

func testReservations(t *testing.T, open Opener) {
	s := open(t, t.TempDir())
	ctx := context.Background()
	holder := func(key string) string {
		t.Helper()
		h, ok, err := s.ReservationHolder(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			return ""
		}
		return h
	}
	mustAppend(t, s, eventstore.AppendRequest{Stream: "a", Events: events("T", 1, 1), Claims: []string{"k1", "k2"}})
	if holder("k1") != "a" || holder("k2") != "a" {
		t.Fatalf("holders = %q, %q", holder("k1"), holder("k2"))
	}
	// Another stream cannot take a held key; the whole append fails.
	_, err := s.Append(ctx, eventstore.AppendRequest{Stream: "b", Events: events("T", 2, 1), Claims: []string{"k3", "k1"}})
	var rc *eventstore.ReservationConflictError
	if !errors.Is(err, eventstore.ErrReservationConflict) || !errors.As(err, &rc) || rc.Key != "k1" || rc.Holder != "a" {
		t.Fatalf("conflicting claim: %v", err)
	}
	if holder("k3") != "" {
		t.Fatal("a failed append kept its other claim")
	}
	if v, _ := s.StreamVersion(ctx, "b"); v != 0 {
		t.Fatal("a failed append wrote its events")
	}
	// The holder may claim again.
	mustAppend(t, s, eventstore.AppendRequest{Stream: "a", Events: events("T", 3, 1), Claims: []string{"k1"}})
	// Swap in one append: release k1, claim k4.
	mustAppend(t, s, eventstore.AppendRequest{Stream: "a", Events: events("T", 4, 1), Releases: []string{"k1"}, Claims: []string{"k4"}})
	if holder("k1") != "" || holder("k4") != "a" {
		t.Fatalf("after swap: k1=%q k4=%q", holder("k1"), holder("k4"))
	}
	// A released key is free for others; releasing a key held by someone else changes nothing.
	mustAppend(t, s, eventstore.AppendRequest{Stream: "b", Events: events("T", 5, 1), Claims: []string{"k1"}, Releases: []string{"k2"}})
	if holder("k1") != "b" || holder("k2") != "a" {
		t.Fatalf("k1=%q k2=%q", holder("k1"), holder("k2"))
	}
	// Release and re-claim of the same key in one append keeps it.
	mustAppend(t, s, eventstore.AppendRequest{Stream: "b", Events: events("T", 6, 1), Claims: []string{"k1"}, Releases: []string{"k1"}})
	if holder("k1") != "b" {
		t.Fatalf("k1=%q after release+claim", holder("k1"))
	}
	// Two concurrent claimants of one key: exactly one wins.
	const n = 16
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		go func(i int) {
			_, err := s.Append(ctx, eventstore.AppendRequest{Stream: "c" + string(rune('a'+i)), Events: events("T", 10+i, 1), Claims: []string{"contended"}})
			errs <- err
		}(i)
	}
	wins := 0
	for i := 0; i < n; i++ {
		switch err := <-errs; {
		case err == nil:
			wins++
		case !errors.Is(err, eventstore.ErrReservationConflict):
			t.Errorf("claimant: %v", err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d claimants won the same key", wins)
	}
}

func testFailedAppendWritesNothing(t *testing.T, open Opener) {
	s := open(t, t.TempDir())
	ctx := context.Background()
	mustAppend(t, s, eventstore.AppendRequest{Stream: "a", Events: events("T", 1, 1), Claims: []string{"held"}})
	before := readAll(t, s)
	// Wrong version with claims: neither events nor claims are written.
	_, err := s.Append(ctx, eventstore.AppendRequest{Stream: "a", ExpectedVersion: eventstore.Exact(7), Events: events("T", 2, 2), Claims: []string{"new"}, Releases: []string{"held"}})
	if !errors.Is(err, eventstore.ErrWrongExpectedVersion) {
		t.Fatalf("err = %v", err)
	}
	if h, ok, _ := s.ReservationHolder(ctx, "new"); ok {
		t.Fatalf("claim written by a failed append (holder %s)", h)
	}
	if h, _, _ := s.ReservationHolder(ctx, "held"); h != "a" {
		t.Fatalf("release written by a failed append")
	}
	if after := readAll(t, s); len(after) != len(before) {
		t.Fatalf("log grew from %d to %d", len(before), len(after))
	}
	// The next successful append takes the next position: no gap.
	res := mustAppend(t, s, eventstore.AppendRequest{Stream: "a", ExpectedVersion: eventstore.Exact(1), Events: events("T", 4, 1)})
	if res.FirstPosition != 2 || res.Version != 2 {
		t.Fatalf("after a failure: %+v", res)
	}
}

func testInvalidRequests(t *testing.T, open Opener) {
	s := open(t, t.TempDir())
	ctx := context.Background()
	with := func(change func(*eventstore.EventData)) []eventstore.EventData {
		e := NewEvent("T", 1)
		change(&e)
		return []eventstore.EventData{e}
	}
	good := with(func(*eventstore.EventData) {})
	cases := map[string]eventstore.AppendRequest{
		"empty stream":  {Stream: "", Events: good},
		"no events":     {Stream: "s"},
		"NUL in stream": {Stream: "a\x00b", Events: good},
		"nil id":        {Stream: "s", Events: with(func(e *eventstore.EventData) { e.ID = uuid.Nil })},
		"empty type":    {Stream: "s", Events: with(func(e *eventstore.EventData) { e.Type = "" })},
		"schema 0":      {Stream: "s", Events: with(func(e *eventstore.EventData) { e.SchemaVersion = 0 })},
		"data not JSON": {Stream: "s", Events: with(func(e *eventstore.EventData) { e.Data = []byte("{nope") })},
		"zero time":     {Stream: "s", Events: with(func(e *eventstore.EventData) { e.Time = time.Time{} })},
		"empty claim":   {Stream: "s", Events: good, Claims: []string{""}},
		"bad expected":  {Stream: "s", ExpectedVersion: -9, Events: good},
	}
	for name, req := range cases {
		if _, err := s.Append(ctx, req); !errors.Is(err, eventstore.ErrInvalidAppend) {
			t.Errorf("%s: err = %v, want ErrInvalidAppend", name, err)
		}
	}
	if h := head(t, s); h != 0 {
		t.Fatalf("invalid appends wrote %d events", h)
	}
}
