package domain_test

import (
	"testing"
	"time"

	"github.com/nordledger/ledger/domain"
)

func TestLookupStreamName(t *testing.T) {
	if got := domain.LookupStreamName("1000", "9999"); got != "1000/lookups/9999" {
		t.Errorf("LookupStreamName(1000, 9999) = %q", got)
	}
	if got := domain.LookupStreamName("1000", ""); got != "1000/lookups/unmatched" {
		t.Errorf("LookupStreamName(1000, \"\") = %q", got)
	}
	if domain.LookupStreamName("1000", "9999") == domain.StreamName("1000", "9999") {
		t.Error("a look-up is recorded in the customer's own stream")
	}
	if (domain.LedgerPolicy{LedgerNo: "1000"}).ValidCustomerNo(domain.UnmatchedLookups) {
		t.Errorf("%q is a valid customer number: the unmatched stream could collide with a customer's", domain.UnmatchedLookups)
	}
}

func TestLookupResult(t *testing.T) {
	tests := []struct {
		name  string
		state domain.CustomerState
		want  string
	}{
		{"active", domain.CustomerState{LegalStatus: domain.LegalStatusActive}, domain.LookupFound},
		{"no legal status", domain.CustomerState{}, domain.LookupFound},
		{"protected identity", domain.CustomerState{LegalStatus: domain.LegalStatusActive, ProtectedIdentity: true}, domain.LookupWithheld},
		{"deceased", domain.CustomerState{LegalStatus: domain.LegalStatusDeceased}, domain.LookupWithheld},
	}
	for _, tt := range tests {
		if got := domain.LookupResult(tt.state); got != tt.want {
			t.Errorf("%s: LookupResult = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// A look-up is not a change of the customer: the aggregate refuses it.
func TestCustomerRejectsLookupEvents(t *testing.T) {
	var c domain.Customer
	created := domain.CustomerCreated{CustomerNo: "9999", Name: "N", LegalStatus: domain.LegalStatusActive,
		LegalAddress: domain.Address{Addressee: "N", City: "C", ZipCode: "1", CountryCode: "SE"}}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := c.Apply(domain.Recorded{Event: created, Version: 1, Time: now}); err != nil {
		t.Fatal(err)
	}
	e := domain.CustomerDetailsLookedUp{MerchantID: "1000", PaymentProductID: "9000", CountryCode: "SE", Keys: []string{"fiscalNumber"}, CustomerNo: "9999", Result: domain.LookupFound}
	if err := c.Apply(domain.Recorded{Event: e, Version: 2, Time: now}); err == nil {
		t.Error("the customer aggregate applied a CustomerDetailsLookedUp")
	}
}
