package domain_test

import (
	"testing"
	"time"

	"github.com/nordledger/ledger/domain"
)

// TestStreamCodec: the names StreamName and LookupStreamName build are the ones SplitStream,
// ParseStream and StreamLedger read back.
func TestStreamCodec(t *testing.T) {
	for _, tt := range []struct {
		stream, ledgerNo, kind, customerNo string
		customer                           bool
	}{
		{domain.StreamName("1000", "42"), "1000", domain.StreamCustomers, "42", true},
		{domain.LookupStreamName("1000", "42"), "1000", domain.StreamLookups, "42", false},
		{domain.LookupStreamName("1000", ""), "1000", domain.StreamLookups, domain.UnmatchedLookups, false},
	} {
		l, k, c, ok := domain.SplitStream(tt.stream)
		if !ok || l != tt.ledgerNo || k != tt.kind || c != tt.customerNo {
			t.Errorf("SplitStream(%q) = %q %q %q %v", tt.stream, l, k, c, ok)
		}
		if l, c, ok := domain.ParseStream(tt.stream); ok != tt.customer || (ok && (l != tt.ledgerNo || c != tt.customerNo)) {
			t.Errorf("ParseStream(%q) = %q %q %v", tt.stream, l, c, ok)
		}
		if got := domain.StreamLedger(tt.stream); got != tt.ledgerNo {
			t.Errorf("StreamLedger(%q) = %q", tt.stream, got)
		}
	}
	for _, bad := range []string{"", "1000", "1000/customers", "1000/customers/4/2"} {
		if _, _, _, ok := domain.SplitStream(bad); ok {
			t.Errorf("SplitStream(%q) ok", bad)
		}
	}
}

// TestApplyStored: an erased event leaves the customer forgotten at its version, and so does every
// event after it; an event in the clear is applied.
func TestApplyStored(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	var c domain.Customer
	if err := c.ApplyStored("42", domain.Recorded{Event: domain.CustomerCreated{CustomerNo: "42", Name: "A"}, Version: 1, Time: at}, false); err != nil {
		t.Fatal(err)
	}
	if !c.Exists() || c.Forgotten() || c.State().Name != "A" {
		t.Fatalf("after a clear event: %+v", c.State())
	}
	if err := c.ApplyStored("42", domain.Recorded{Version: 2, Time: at}, true); err != nil {
		t.Fatal(err)
	}
	if want := domain.ForgottenState("42", 2, at); !c.Forgotten() || c.State().Version != 2 || c.State().Name != "" || c.State().CustomerNo != want.CustomerNo {
		t.Fatalf("after an erased event: %+v", c.State())
	}
	if err := c.ApplyStored("42", domain.Recorded{Event: domain.CustomerCreated{CustomerNo: "42"}, Version: 3, Time: at}, false); err != nil || !c.Forgotten() || c.Version() != 3 {
		t.Fatalf("an event after the forget: %v %+v", err, c.State())
	}
}
