package projections_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/projections"
)

// streamOf is a projections.StreamEventID reading store as a reader's stream would hold it:
// each position's event id, the stream ending at last (or at the log's head when last is 0);
// replaced names a position whose event the stream holds with another id (the writer's log
// restored and written to since).
func streamOf(t *testing.T, store *eventstore.Store, last, replaced uint64) projections.StreamEventID {
	return func(ctx context.Context, position uint64) (string, uint64, error) {
		if last == 0 {
			last, _ = store.Head(ctx)
		}
		if position > last {
			return "", last, nil
		}
		if position == replaced {
			return uuid.New().String(), last, nil
		}
		es, err := store.ReadAll(ctx, position, 1)
		if err != nil || len(es) != 1 {
			t.Fatalf("event %d: %v, %d events", position, err, len(es))
		}
		return es[0].ID.String(), last, nil
	}
}

// TestResetIfNotInStream: a reader's read models are kept while the stream holds the event they
// applied at their last position, and reset — to be rebuilt from the stream — when it ends before
// it or holds another event there. The event is the one the runner applied last, or the one an
// offline Rebuild applied last; with one projection reset for a code-version change, the others'
// last position is the one checked.
func TestResetIfNotInStream(t *testing.T) {
	dir := t.TempDir()
	store, err := eventstore.Open(filepath.Join(dir, "events.db"), eventstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	history(t, store, 5, 40, 3)
	head, _ := store.Head(context.Background())

	for _, tc := range []struct {
		name       string
		rebuild    bool // built by Rebuild instead of a runner
		newAudit   bool // the audit projection's code version changed: it starts from 0
		last       uint64
		replaced   uint64
		fail       int // 1: the stream's event cannot be got (a NATS user without the permission); 2: nothing of the stream can be read
		wantReason string
		wantErr    bool
	}{
		{name: "the same events", wantReason: ""},
		{name: "the stream grew past them", last: head + 3, wantReason: ""},
		{name: "the stream ends before them", last: head - 1, wantReason: "positions the stream does not have"},
		{name: "another event at their last position", last: head + 3, replaced: head, wantReason: "another event"},
		{name: "another event before it", last: head + 3, replaced: head - 1, wantReason: ""}, // a log restored keeps a prefix: what tells is the last
		{name: "rebuilt offline, another event", rebuild: true, last: head + 3, replaced: head, wantReason: "another event"},
		{name: "one projection reset, another event", newAudit: true, last: head + 3, replaced: head, wantReason: "another event"},
		{name: "one projection reset, the same events", newAudit: true, wantReason: ""},
		{name: "the event cannot be got, another event there", last: head + 3, replaced: head, fail: 1, wantReason: ""}, // unchecked: goes on
		{name: "the event cannot be got, the stream ends before them", last: head - 1, fail: 1, wantReason: "positions the stream does not have"},
		{name: "the stream cannot be read", last: head - 1, fail: 2, wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, err := projections.OpenDB(filepath.Join(t.TempDir(), "p.db"))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if tc.rebuild {
				if err := projections.Rebuild(context.Background(), db, store, head, nil, projections.NewSet(db, natID).All()...); err != nil {
					t.Fatal(err)
				}
			} else {
				runToHead(t, store, db, recordingSet(t, db))
			}
			rs := recordingSet(t, db)
			var ps []projections.Projection
			for _, r := range rs {
				if tc.newAudit && r.Name() == projections.AuditName {
					r.version = r.Batcher.Version() + 1
				}
				ps = append(ps, r)
			}
			r, err := projections.NewRunner(db, quiet, ps...)
			if err != nil {
				t.Fatal(err)
			}
			before := r.Positions()
			at := streamOf(t, store, tc.last, tc.replaced)
			switch tc.fail {
			case 1:
				inner := at
				at = func(ctx context.Context, position uint64) (string, uint64, error) {
					_, last, err := inner(ctx, position)
					if err == nil && position <= last {
						err = errors.New("no answer")
					}
					return "", last, err
				}
			case 2:
				at = func(context.Context, uint64) (string, uint64, error) { return "", 0, errors.New("NATS is down") }
			}
			reason, err := r.ResetIfNotInStream(context.Background(), at)
			if (err != nil) != tc.wantErr {
				t.Fatalf("error %v, want one: %v", err, tc.wantErr)
			}
			if tc.wantReason == "" && reason != "" || !strings.Contains(reason, tc.wantReason) {
				t.Fatalf("reason %q, want one holding %q", reason, tc.wantReason)
			}
			for _, p := range ps {
				st, err := db.State(p.Name())
				if err != nil {
					t.Fatal(err)
				}
				want := before[p.Name()]
				if reason != "" {
					want = 0
				}
				if st.Checkpoint != want || r.Positions()[p.Name()] != want {
					t.Errorf("%s: checkpoint %d, position %d; want %d", p.Name(), st.Checkpoint, r.Positions()[p.Name()], want)
				}
			}
		})
	}
}
