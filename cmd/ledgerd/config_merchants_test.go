package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDefaultLedgersCarryTheDemoMerchant(t *testing.T) {
	f := DefaultLedgers()
	if err := f.Validate(); err != nil {
		t.Fatalf("the built-in configuration is not valid: %v", err)
	}
	m, ok := f.merchants()["1000"]
	if !ok || m.LedgerNo != "1000" {
		t.Fatalf("demo merchant 1000: %+v, %v", m, ok)
	}
	if keys := m.Products["9000"].Countries["SE"]; len(keys) != 1 || keys[0] != "fiscalNumber" {
		t.Errorf("demo product 9000 in SE looks up by %v, want [fiscalNumber]", keys)
	}
}

func TestExampleConfigurationLoads(t *testing.T) {
	f, err := LoadLedgerFile(filepath.Join("..", "..", "config", "ledgers.example.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Merchants) == 0 {
		t.Error("the example configuration has no merchants section")
	}
}

// TestMerchantValidation: every problem is reported at once, naming the merchant, product and
// country.
func TestMerchantValidation(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledgers.json")
	cfg := `{"ledgers": [{"ledgerNo": "1000", "countryCode": "SE"}],
	"merchants": {
		"ok": {"ledgerNo": "1000", "products": {"9000": {"countries": {"SE": {"lookupKeys": ["fiscalNumber"]}}}}},
		"m/1": {"ledgerNo": "1000", "products": {"9000": {"countries": {"SE": {"lookupKeys": ["fiscalNumber"]}}}}},
		"nowhere": {"ledgerNo": "3000", "products": {"9000": {"countries": {"SE": {"lookupKeys": ["fiscalNumber"]}}}}},
		"empty": {"ledgerNo": "1000"},
		"bad": {"ledgerNo": "1000", "products": {
			"09": {"countries": {"SE": {"lookupKeys": ["fiscalNumber"]}}},
			"x": {"countries": {}},
			"9001": {"countries": {"se": {"lookupKeys": ["fiscalNumber"]}, "XX": {"lookupKeys": ["fiscalNumber"]}}},
			"9002": {"countries": {"SE": {"lookupKeys": []}, "NO": {"lookupKeys": ["email", "fiscalNumber", "fiscalNumber"]}}}
		}}
	}}`
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := LoadLedgerFile(path)
	if err == nil {
		t.Fatal("an invalid merchants section was accepted")
	}
	for _, want := range []string{
		`merchants["m/1"]: the merchant id`,
		`merchants["nowhere"]: ledgerNo "3000" is not a configured ledger`,
		`merchants["empty"]: products must list at least one payment product`,
		`merchants["bad"] product "09": the payment product id`,
		`merchants["bad"] product "x": the payment product id`,
		`merchants["bad"] product "x": countries must list at least one country`,
		`merchants["bad"] product "9001" country "se": the country must be`,
		`merchants["bad"] product "9001" country "XX": the country must be`,
		`merchants["bad"] product "9002" country "SE": lookupKeys must list at least one key`,
		`merchants["bad"] product "9002" country "NO": lookup key "email" is not supported`,
		`merchants["bad"] product "9002" country "NO": lookup key "fiscalNumber" appears more than once`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not say %q:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), `merchants["ok"]`) {
		t.Errorf("a valid merchant is reported: %v", err)
	}
}
