package main

import (
	"reflect"
	"testing"
)

// TestDefaultLedgersValid: the built-in configuration passes the checks a file gets, and its demo
// ledger has the KYC questions of SPEC §6 (policies() relies on this).
func TestDefaultLedgersValid(t *testing.T) {
	lf := DefaultLedgers()
	if err := lf.Validate(); err != nil {
		t.Fatal(err)
	}
	p, ok := lf.policies().Ledger("1000")
	if !ok || p.Kyc == nil || !p.Kyc.Enabled() {
		t.Fatalf("demo ledger without KYC: %+v", p)
	}
	var codes []string
	for _, q := range p.Kyc.Questions("sv") {
		codes = append(codes, q.QuestionCode)
		for _, s := range q.SubQuestions {
			codes = append(codes, s.QuestionCode)
		}
	}
	want := []string{"employment", "income", "taxable_outside_sweden", "multiple_citizenship", "citizen_ship_country_codes"}
	if !reflect.DeepEqual(codes, want) {
		t.Errorf("demo questions %q, want %q", codes, want)
	}
}

// TestExampleConfigHasTheDemoKyc: config/ledgers.example.json loads, and its ledger 1000 carries
// the built-in demo ledger's KYC configuration.
func TestExampleConfigHasTheDemoKyc(t *testing.T) {
	lf, err := LoadLedgerFile("../../config/ledgers.example.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range lf.Ledgers {
		if l.LedgerNo != "1000" {
			continue
		}
		got, want := *l.Kyc, *demoKyc()
		if got.Enabled == nil || !*got.Enabled {
			t.Errorf("example: KYC not enabled")
		}
		got.Enabled = nil
		if !reflect.DeepEqual(got, want) {
			t.Errorf("example KYC %+v,\nwant the demo's %+v", got, want)
		}
		return
	}
	t.Fatal("no ledger 1000 in the example")
}
