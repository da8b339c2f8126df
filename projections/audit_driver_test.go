package projections_test

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/projections"
	bolt "go.etcd.io/bbolt"
)

// TestAuditQueryDrivesFromTheFewest: a query naming a type and a correlation id reads the index
// of whichever has fewer events — seen through ScanLimit, which bounds the index entries one page
// examines: read from the smaller index, the whole answer fits on one page. The correlation ids
// are not counted in audit_meta (a random leaf per request when clients send their own): the
// query counts their entries itself.
func TestAuditQueryDrivesFromTheFewest(t *testing.T) {
	store, err := eventstore.Open(filepath.Join(t.TempDir(), "events.db"), eventstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	add := func(stream, typ, corr string) {
		t.Helper()
		e := eventstore.EventData{ID: uuid.Must(uuid.NewV7()), Type: typ, SchemaVersion: 1, Time: at, Actor: "alice",
			CorrelationID: corr, Data: []byte(`{}`)}
		if _, err := store.Append(context.Background(), eventstore.AppendRequest{Stream: stream, Events: []eventstore.EventData{e}}); err != nil {
			t.Fatal(err)
		}
		at = at.Add(time.Second)
	}
	// Type Many: 40 events, the last 3 of them correlated by "few". Correlation id "many": 30
	// events, 3 of them of type Few. In another ledger, 5 events correlated by "few" too.
	for i := range 37 {
		add(fmt.Sprint("1000/customers/", i), "Many", fmt.Sprint("own-", i))
	}
	for i := range 3 {
		add(fmt.Sprint("1000/customers/", i), "Many", "few")
	}
	for i := range 27 {
		add(fmt.Sprint("1000/customers/", i), "Other", "many")
	}
	for i := range 3 {
		add(fmt.Sprint("1000/customers/", i), "Few", "many")
	}
	for i := range 5 {
		add(fmt.Sprint("2000/customers/", i), "Many", "few")
	}
	db, err := projections.OpenDB(filepath.Join(t.TempDir(), "projections.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	audit := projections.NewAudit(db)
	head, _ := store.Head(context.Background())
	if err := projections.Rebuild(context.Background(), db, store, head, nil, audit); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name      string
		q         projections.AuditQuery
		want      int
		wantPages int
	}{
		{"few correlated among many of a type", projections.AuditQuery{Type: "Many", CorrelationID: "few"}, 3, 1},
		{"a few of a type among many correlated", projections.AuditQuery{Type: "Few", CorrelationID: "many"}, 3, 1},
		{"correlation id alone", projections.AuditQuery{CorrelationID: "many"}, 30, 6},
		{"correlation id and actor", projections.AuditQuery{Actor: "alice", CorrelationID: "few"}, 3, 1},
		{"an unknown correlation id", projections.AuditQuery{Type: "Many", CorrelationID: "none"}, 0, 1},
		{"an unknown type", projections.AuditQuery{Type: "None", CorrelationID: "few"}, 0, 1},
		{"the other ledger's correlation id", projections.AuditQuery{LedgerNo: "3000", CorrelationID: "few"}, 0, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			q := c.q
			if q.LedgerNo == "" {
				q.LedgerNo = "1000"
			}
			q.ScanLimit, q.Limit = 5, 100
			got, pages := 0, 0
			for {
				page, err := audit.Query(context.Background(), q)
				if err != nil {
					t.Fatal(err)
				}
				pages++
				for _, e := range page.Events {
					if e.Type != c.q.Type && c.q.Type != "" || e.CorrelationID != c.q.CorrelationID {
						t.Errorf("event %d (%s, %s) does not match", e.Position, e.Type, e.CorrelationID)
					}
				}
				got += len(page.Events)
				if page.Next == 0 {
					break
				}
				q.FromPosition = page.Next
			}
			if got != c.want || pages != c.wantPages {
				t.Errorf("%d events on %d pages, want %d on %d", got, pages, c.want, c.wantPages)
			}
		})
	}
	// The format: counts of actors and types, none of correlation ids.
	err = db.Bolt().View(func(tx *bolt.Tx) error {
		var counts, corr int
		err := tx.Bucket([]byte("audit_meta")).ForEach(func(k, _ []byte) error {
			if k[0] == 'C' {
				counts++
				if bytes.HasPrefix(k, []byte("Caudit_corr\x00")) {
					corr++
				}
			}
			return nil
		})
		if counts == 0 || corr != 0 {
			t.Errorf("audit_meta holds %d counts, %d of them of correlation ids; want some, none", counts, corr)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
