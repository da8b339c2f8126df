package main

import (
	"errors"
	"testing"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/eventstore/wire"
)

// TestEveryAcceptedLedgerNoIsPublishable: the relay publishes an event of ledger L on
// "ledger.customer.v1.{L}.{customerNo}.{type}" and stops for good (wire.ErrUnmappableEvent)
// at an event whose ledger number is no subject token — an event the log keeps forever, so the
// relay could never pass it again, for any ledger. The configuration must refuse such a ledger
// number at start rather than accept its first write.
func TestEveryAcceptedLedgerNoIsPublishable(t *testing.T) {
	for _, no := range []string{"7*7", "7>7", "7\u00a07", "7\n7", "7\x017", "\xff"} {
		err := LedgerFile{Ledgers: []LedgerConfig{{LedgerNo: no, CountryCode: "SE"}}}.Validate()
		if err != nil {
			continue
		}
		e := eventstore.Event{Stream: domain.StreamName(no, "1"), Type: domain.TypeCustomerCreated, Position: 1}
		if _, serr := wire.Subject(e); errors.Is(serr, wire.ErrUnmappableEvent) {
			t.Errorf("ledgerNo %q is accepted, but its events stop the relay: %v", no, serr)
		}
	}
	if err := (LedgerFile{Ledgers: []LedgerConfig{{LedgerNo: "SE-1000_a", CountryCode: "SE"}}}).Validate(); err != nil {
		t.Errorf("a valid ledger number: %v", err)
	}
}
