package projections_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/projections"
)

// TestNationalIDIndexReadAgainAfterAFailedCommit: after a commit of the read models fails, the
// runner cannot tell whether the file holds the transaction (bbolt writes its meta page before
// the fsync that may fail, and then reads its meta from the file) while the national-identifier
// index held in memory never learnt its entries: the index is read again from the file at its
// next use, so find-customer never answers "not found" for a customer the file holds.
func TestNationalIDIndexReadAgainAfterAFailedCommit(t *testing.T) {
	t.Cleanup(projections.SetWriteBackAge(time.Hour)) // restored after the writer's cleanup closed it
	ctx := context.Background()
	w := openSealedWriter(t, t.TempDir())
	w.createSealed(t, "500", personnummer[1])
	first := domain.NationalIdentifier{RegNo: personnummer[1], CountryCode: "SE"}
	if no, found, err := w.set.Customers.FindByNationalID(ctx, "1000", first); err != nil || !found || no != "500" {
		t.Fatalf("find-customer after the create: %q %v %v", no, found, err)
	}
	w.set.Customers.LoseNationalIDIndex() // the file holds an entry the index does not, as after such a commit
	w.r.SetCommitFault(func() error { return errors.New("fdatasync: input/output error (test)") })
	w.createSealed(t, "501", personnummer[2])
	second := domain.NationalIdentifier{RegNo: personnummer[2], CountryCode: "SE"}
	// This find makes the write-back transaction commit: it fails, and the events are applied
	// again from the log in direct transactions (which the fault does not touch).
	w.set.Customers.FindByNationalID(ctx, "1000", second)
	w.r.SetCommitFault(nil)
	for no, ni := range map[string]domain.NationalIdentifier{"500": first, "501": second} {
		if got, found, err := w.set.Customers.FindByNationalID(ctx, "1000", ni); err != nil || !found || got != no {
			t.Errorf("find-customer %s after the failed commit: %q %v %v", no, got, found, err)
		}
	}
}
