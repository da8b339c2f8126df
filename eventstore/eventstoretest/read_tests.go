package eventstoretest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nordledger/ledger/eventstore"
)

func testPaging(t *testing.T, open Opener) {
	s := open(t, t.TempDir())
	ctx := context.Background()
	for i := 0; i < 25; i++ {
		mustAppend(t, s, eventstore.AppendRequest{Stream: []string{"x", "y"}[i%2], Events: events("T", i, 2)})
	}
	page, err := s.ReadAll(ctx, 11, 7)
	if err != nil || len(page) != 7 || page[0].Position != 11 || page[6].Position != 17 {
		t.Fatalf("ReadAll(11, 7) = %d events, %v", len(page), err)
	}
	if page, _ := s.ReadAll(ctx, 48, 10); len(page) != 3 {
		t.Fatalf("ReadAll near the end = %d events, want 3", len(page))
	}
	if page, _ := s.ReadAll(ctx, 51, 10); len(page) != 0 {
		t.Fatalf("ReadAll past the end = %d events", len(page))
	}
	if page, _ := s.ReadAll(ctx, 0, 0); len(page) != 50 || page[0].Position != 1 {
		t.Fatalf("ReadAll(0, default) = %d events", len(page))
	}
	if page, _ := s.ReadAll(ctx, 1, 1<<30); len(page) != 50 {
		t.Fatalf("ReadAll with a huge limit = %d events", len(page))
	}
	sp, err := s.ReadStream(ctx, "y", 5, 4)
	if err != nil || len(sp) != 4 || sp[0].Version != 5 || sp[3].Version != 8 {
		t.Fatalf("ReadStream(y, 5, 4) = %+v, %v", sp, err)
	}
	if sp, _ := s.ReadStream(ctx, "y", 24, 10); len(sp) != 1 || sp[0].Version != 24 {
		t.Fatalf("ReadStream tail = %d events", len(sp))
	}
	if sp, _ := s.ReadStream(ctx, "y", 25, 10); len(sp) != 0 {
		t.Fatalf("ReadStream past the end = %d", len(sp))
	}
}

func testSubscribeCatchUpThenLive(t *testing.T, open Opener) {
	s := open(t, t.TempDir())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for i := 0; i < 600; i++ { // more than one read batch of catch-up
		mustAppend(t, s, eventstore.AppendRequest{Stream: "a", Events: events("T", i, 1)})
	}
	sub := s.Subscribe(ctx, 101)
	got := receive(t, sub, 500)
	if got[0].Position != 101 || got[499].Position != 600 {
		t.Fatalf("catch-up delivered %d..%d", got[0].Position, got[499].Position)
	}
	// Live: appended after the subscriber caught up.
	go func() {
		for i := 0; i < 300; i++ {
			if _, err := s.Append(ctx, eventstore.AppendRequest{Stream: "b", Events: events("T", i, 1)}); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	live := receive(t, sub, 300)
	for i, e := range live {
		if e.Position != uint64(601+i) {
			t.Fatalf("live event %d has position %d", i, e.Position)
		}
	}
	select {
	case e := <-sub.C:
		t.Fatalf("unexpected extra event %d", e.Position)
	case <-time.After(20 * time.Millisecond):
	}
}

func testSubscribeMany(t *testing.T, open Opener) {
	s := open(t, t.TempDir())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const subscribers, total = 12, 400
	subs := make([]*eventstore.Subscription, subscribers)
	for i := range subs {
		subs[i] = s.Subscribe(ctx, 1)
	}
	go func() {
		for i := 0; i < total; i++ {
			if _, err := s.Append(ctx, eventstore.AppendRequest{Stream: "s", Events: events("T", i, 1)}); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	for i, sub := range subs {
		got := receive(t, sub, total)
		for j, e := range got {
			if e.Position != uint64(j+1) {
				t.Fatalf("subscriber %d: event %d has position %d", i, j, e.Position)
			}
		}
	}
}

func testSubscribeCancelAndClose(t *testing.T, open Opener) {
	s := open(t, t.TempDir())
	mustAppend(t, s, eventstore.AppendRequest{Stream: "a", Events: events("T", 1, 3)})
	ctx, cancel := context.WithCancel(context.Background())
	sub := s.Subscribe(ctx, 1)
	receive(t, sub, 3)
	cancel()
	drain(t, sub)
	if err := sub.Err(); err != nil {
		t.Fatalf("Err after cancel = %v, want nil", err)
	}
	// A subscription still waiting when the store closes ends with ErrClosed.
	sub2 := s.Subscribe(context.Background(), 4)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	drain(t, sub2)
	if err := sub2.Err(); err != eventstore.ErrClosed {
		t.Fatalf("Err after Close = %v, want ErrClosed", err)
	}
	if _, err := s.Append(context.Background(), eventstore.AppendRequest{Stream: "a", Events: events("T", 9, 1)}); err != eventstore.ErrClosed {
		t.Fatalf("Append after Close = %v, want ErrClosed", err)
	}
}

// drain waits for sub.C to close.
func drain(t *testing.T, sub *eventstore.Subscription) {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case _, ok := <-sub.C:
			if !ok {
				return
			}
		case <-timeout:
			t.Fatal("subscription did not end")
		}
	}
}

func testReopen(t *testing.T, open Opener) {
	dir := t.TempDir()
	s := open(t, dir)
	mustAppend(t, s, eventstore.AppendRequest{Stream: "a", Events: events("T", 1, 3), Claims: []string{"k"}})
	mustAppend(t, s, eventstore.AppendRequest{Stream: "b", Events: events("T", 4, 2)})
	before := readAll(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(t, dir)
	after := readAll(t, s)
	if len(after) != len(before) || head(t, s) != 5 {
		t.Fatalf("reopened log has %d events, head %d", len(after), head(t, s))
	}
	for i := range before {
		if before[i].ID != after[i].ID || string(before[i].Data) != string(after[i].Data) || !before[i].Time.Equal(after[i].Time) {
			t.Fatalf("event %d changed across reopen", i+1)
		}
	}
	if h, _, _ := s.ReservationHolder(context.Background(), "k"); h != "a" {
		t.Fatalf("reservation lost across reopen")
	}
	res := mustAppend(t, s, eventstore.AppendRequest{Stream: "a", ExpectedVersion: eventstore.Exact(3), Events: events("T", 6, 1)})
	if res.FirstPosition != 6 || res.Version != 4 {
		t.Fatalf("append after reopen = %+v", res)
	}
	// Idempotency survives a reopen.
	if _, err := s.Append(context.Background(), eventstore.AppendRequest{Stream: "b", Events: []eventstore.EventData{
		{ID: before[3].ID, Type: before[3].Type, SchemaVersion: 1, Time: before[3].Time, Data: before[3].Data},
		{ID: before[4].ID, Type: before[4].Type, SchemaVersion: 1, Time: before[4].Time, Data: before[4].Data},
	}}); err != nil {
		t.Fatalf("retry after reopen: %v", err)
	}
	if head(t, s) != 6 {
		t.Fatal("retry after reopen wrote events")
	}
	// The claim holds across the reopen; a release after it holds across the next one.
	ctx := context.Background()
	if _, err := s.Append(ctx, eventstore.AppendRequest{Stream: "c", Events: events("T", 8, 1), Claims: []string{"k"}}); !errors.Is(err, eventstore.ErrReservationConflict) {
		t.Fatalf("claiming a key held before the reopen: %v", err)
	}
	mustAppend(t, s, eventstore.AppendRequest{Stream: "a", ExpectedVersion: eventstore.Exact(4), Events: events("T", 9, 1), Releases: []string{"k"}})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(t, dir)
	if h, ok, _ := s.ReservationHolder(ctx, "k"); ok {
		t.Fatalf("a released key is held by %s after a reopen", h)
	}
	mustAppend(t, s, eventstore.AppendRequest{Stream: "c", Events: events("T", 10, 1), Claims: []string{"k"}})
	if h, _, _ := s.ReservationHolder(ctx, "k"); h != "c" {
		t.Fatalf("holder after the release and a new claim = %q, want c", h)
	}
}
