package app_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/internal/app"
)

// snapshots serves one customer's state, as a read model would.
type snapshots struct{ state domain.CustomerState }

func (s *snapshots) Customer(_ context.Context, _, no string) (domain.CustomerState, bool, error) {
	return s.state, s.state.CustomerNo == no, nil
}

// TestExecuteStartsFromASnapshotAtTheStreamsVersion: a command starts from the read models'
// state when it is at the stream's version, and replays the stream when it is not.
func TestExecuteStartsFromASnapshotAtTheStreamsVersion(t *testing.T) {
	store, err := eventstore.Open(filepath.Join(t.TempDir(), "events.db"), eventstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	snaps := &snapshots{}
	h, err := app.New(store, app.Config{ReservationKey: key, Snapshots: snaps})
	if err != nil {
		t.Fatal(err)
	}
	p := domain.LedgerPolicy{LedgerNo: "1000", CountryCode: "SE"}
	if _, err := create(t, h, p, "42", ""); err != nil {
		t.Fatal(err)
	}
	replayed, err := h.Load(context.Background(), "1000", "42")
	if err != nil {
		t.Fatal(err)
	}
	seen := func(st domain.CustomerState) string {
		var name string
		_, err := h.Execute(context.Background(), "1000", "42", nil, meta, func(c *domain.Customer) ([]domain.Event, error) {
			name = c.State().Name
			return nil, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return name
	}
	// At the stream's version: the snapshot is the customer (marked so the test can tell).
	marked := replayed.State()
	marked.Name = "From The Snapshot"
	snaps.state = marked
	if got := seen(marked); got != "From The Snapshot" {
		t.Errorf("a snapshot at the stream's version was not used: decided on %q", got)
	}
	// Behind the stream: replayed.
	marked.Version = 0
	snaps.state = marked
	if got := seen(marked); got != replayed.State().Name {
		t.Errorf("a snapshot behind the stream was used: decided on %q", got)
	}
}
