package main

import (
	"strings"
	"testing"
)

// TestRetentionPeriodConfig: a ledger's retentionPeriod becomes its policy; a bad one stops the
// start naming the ledger; the example file's ledger 2000 keeps ten years.
func TestRetentionPeriodConfig(t *testing.T) {
	f := LedgerFile{Ledgers: []LedgerConfig{{LedgerNo: "1000", CountryCode: "SE"}, {LedgerNo: "2000", CountryCode: "NO", RetentionPeriod: "P7Y"}}}
	if err := f.Validate(); err != nil {
		t.Fatal(err)
	}
	if p, _ := f.policies().Ledger("2000"); p.Retention.String() != "P7Y" {
		t.Errorf("retention %q", p.Retention)
	}
	if p, _ := f.policies().Ledger("1000"); p.Retention.String() != "" {
		t.Errorf("no retention: %q", p.Retention)
	}
	f.Ledgers[1].RetentionPeriod = "7 years"
	if err := f.Validate(); err == nil || !strings.Contains(err.Error(), "(2000)") || !strings.Contains(err.Error(), "retention period") {
		t.Errorf("a bad period: %v", err)
	}
	lf, err := LoadLedgerFile("../../config/ledgers.example.json")
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := lf.policies().Ledger("2000"); p.Retention.String() != "P10Y" {
		t.Errorf("example ledger 2000: retention %q", p.Retention)
	}
}
