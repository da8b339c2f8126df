package main

import (
	"strings"
	"testing"
)

// TestCustomerNoLengthWithinMaxLength: a ledger whose exact customer-number length is above its
// longest accepted one accepts no customer number at all (every create is a 400, and a generated
// number is one the ledger refuses); the configuration refuses it at start, naming the ledger.
func TestCustomerNoLengthWithinMaxLength(t *testing.T) {
	err := LedgerFile{Ledgers: []LedgerConfig{{LedgerNo: "1000", CountryCode: "SE", CustomerNoLength: 12, CustomerNoMaxLength: 10}}}.Validate()
	if err == nil || !strings.Contains(err.Error(), "(1000)") || !strings.Contains(err.Error(), "customerNoLength") {
		t.Errorf("customerNoLength 12 with customerNoMaxLength 10: %v, want an error naming the ledger and customerNoLength", err)
	}
	for _, l := range []LedgerConfig{
		{LedgerNo: "1000", CountryCode: "SE", CustomerNoLength: 10, CustomerNoMaxLength: 10},
		{LedgerNo: "1000", CountryCode: "SE", CustomerNoLength: 7, CustomerNoMaxLength: 10},
		{LedgerNo: "1000", CountryCode: "SE", CustomerNoLength: 15},
		{LedgerNo: "1000", CountryCode: "SE", CustomerNoMaxLength: 5},
	} {
		if err := (LedgerFile{Ledgers: []LedgerConfig{l}}).Validate(); err != nil {
			t.Errorf("customerNoLength %d, customerNoMaxLength %d: %v", l.CustomerNoLength, l.CustomerNoMaxLength, err)
		}
	}
}
