package domain_test

import (
	"encoding/json"
	"errors"
	"math/big"
	"strings"
	"testing"

	"github.com/nordledger/ledger/domain"
)

// money parses an amount that must be valid.
func money(t testing.TB, raw, currency string) domain.Money {
	t.Helper()
	m, err := domain.ParseAmount(raw, currency)
	if err != nil {
		t.Fatalf("ParseAmount(%q, %s): %v", raw, currency, err)
	}
	return m
}

func TestParseAmount(t *testing.T) {
	tests := []struct {
		raw, currency string
		minor         int64
		text          string // String()
	}{
		// 2 decimals
		{"10.00", "SEK", 1000, "10.00"},
		{"10", "SEK", 1000, "10.00"},
		{"10.5", "SEK", 1050, "10.50"},
		{"0.01", "NOK", 1, "0.01"},
		{"0.1", "DKK", 10, "0.10"},
		{"1234567.89", "EUR", 123456789, "1234567.89"},
		{"9999999999999.99", "SEK", 999_999_999_999_999, "9999999999999.99"},
		// 0 decimals
		{"1000", "JPY", 1000, "1000"},
		{"1", "ISK", 1, "1"},
		{"999999999999999", "ISK", 999_999_999_999_999, "999999999999999"},
		// 3 decimals
		{"1.5", "KWD", 1500, "1.500"},
		{"1.500", "KWD", 1500, "1.500"},
		{"0.001", "BHD", 1, "0.001"},
		// 4 decimals
		{"0.0001", "CLF", 1, "0.0001"},
		{"12.3456", "UYW", 123456, "12.3456"},
		{"99999999999.9999", "CLF", 999_999_999_999_999, "99999999999.9999"},
		// As double-based clients write them: zeros at the end of the fraction are no decimals
		// of the value, and an exponent gives the exact value it denotes.
		{"10.000", "SEK", 1000, "10.00"},
		{"1000.0", "JPY", 1000, "1000"},
		{"1.0000", "KWD", 1000, "1.000"},
		{"1e3", "SEK", 100000, "1000.00"},
		{"1E3", "SEK", 100000, "1000.00"},
		{"2e+5", "SEK", 20000000, "200000.00"},
		{"1.0E7", "SEK", 1000000000, "10000000.00"},
		{"1.23456789E7", "EUR", 1234567890, "12345678.90"},
		{"9.99999999999999E12", "SEK", 999_999_999_999_999, "9999999999999.99"},
		{"1.0E-4", "CLF", 1, "0.0001"},
		{"150e-2", "KWD", 1500, "1.500"},
		{"0.00000000000000000000001e23", "ISK", 1, "1"},
	}
	for _, tt := range tests {
		m := money(t, tt.raw, tt.currency)
		if m.MinorUnits() != tt.minor || m.Currency() != tt.currency {
			t.Errorf("ParseAmount(%q, %s) = %d %s, want %d", tt.raw, tt.currency, m.MinorUnits(), m.Currency(), tt.minor)
		}
		if got := m.String(); got != tt.text {
			t.Errorf("ParseAmount(%q, %s).String() = %q, want %q", tt.raw, tt.currency, got, tt.text)
		}
		if got := m.JSON(); string(got) != tt.text {
			t.Errorf("JSON() = %q, want %q", got, tt.text)
		}
		// The rendered text parses back to the same amount: no rounding anywhere.
		if back := money(t, m.String(), tt.currency); back != m {
			t.Errorf("%q: round trip gave %v", tt.raw, back)
		}
		// As a JSON number in a response, the digits are kept.
		b, err := json.Marshal(map[string]json.Number{"balance": m.JSON()})
		if err != nil || string(b) != `{"balance":`+tt.text+`}` {
			t.Errorf("response JSON %s, %v", b, err)
		}
	}
}

func TestParseAmountRejects(t *testing.T) {
	tests := []struct {
		raw, currency, problem string
	}{
		{"", "SEK", "amount"},
		{"0", "SEK", "amount"},
		{"0.00", "SEK", "amount"},
		{"-10.00", "SEK", "amount"},
		{"-0", "SEK", "amount"},
		{"+10", "SEK", "amount"},
		{"10.001", "SEK", "amount"},
		{"10.5", "ISK", "amount"},
		{"1.00001", "CLF", "amount"},
		{"1.5e-2", "SEK", "amount"}, // 0.015: three decimals
		{"1e", "SEK", "amount"},
		{"1e+", "SEK", "amount"},
		{"1e1.5", "SEK", "amount"},
		{"1e5E3", "SEK", "amount"},
		{"1.0E13", "SEK", "amount"},
		{"1e-5", "CLF", "amount"},
		{"1e99999999999999999999", "SEK", "amount"},
		{"1e-99999999999999999999", "SEK", "amount"},
		{"0e5", "SEK", "amount"},
		{"NaN", "SEK", "amount"},
		{"Infinity", "SEK", "amount"},
		{"010", "SEK", "amount"},
		{"00.5", "SEK", "amount"},
		{".5", "SEK", "amount"},
		{"5.", "SEK", "amount"},
		{"1,5", "SEK", "amount"},
		{" 10", "SEK", "amount"},
		{"10 ", "SEK", "amount"},
		{"1 000", "SEK", "amount"},
		{"0x10", "SEK", "amount"},
		{"١٠", "SEK", "amount"}, // Arabic-Indic digits
		{"10000000000000.00", "SEK", "amount"},
		{"1000000000000000", "JPY", "amount"},
		{"100000000000.0000", "CLF", "amount"},
		{"99999999999999999999999999999999", "SEK", "amount"},
		{"10.00", "sek", "currency"},
		{"10.00", "XXX", "currency"},
		{"10.00", "HRK", "currency"},
		{"10.00", "", "currency"},
	}
	for _, tt := range tests {
		m, err := domain.ParseAmount(tt.raw, tt.currency)
		if err == nil {
			t.Errorf("ParseAmount(%q, %q) = %v, want an error", tt.raw, tt.currency, m)
			continue
		}
		if got := problemNames(t, err); len(got) != 1 || got[0] != tt.problem {
			t.Errorf("ParseAmount(%q, %q): problems %v, want [%s]", tt.raw, tt.currency, got, tt.problem)
		}
		noLeak(t, err, tt.raw)
	}
}

func TestNewMoney(t *testing.T) {
	for _, tt := range []struct {
		minor    int64
		currency string
		ok       bool
		text     string
	}{
		{0, "SEK", true, "0.00"},
		{5, "SEK", true, "0.05"},
		{0, "JPY", true, "0"},
		{7, "KWD", true, "0.007"},
		{domain.MaxMinorUnits, "EUR", true, "9999999999999.99"},
		{domain.MaxMinorUnits + 1, "EUR", false, ""},
		{-1, "SEK", false, ""},
		{1, "sek", false, ""},
	} {
		m, err := domain.NewMoney(tt.minor, tt.currency)
		if (err == nil) != tt.ok {
			t.Errorf("NewMoney(%d, %s): err %v", tt.minor, tt.currency, err)
			continue
		}
		if got := m.String(); got != tt.text {
			t.Errorf("NewMoney(%d, %s).String() = %q, want %q", tt.minor, tt.currency, got, tt.text)
		}
	}
	if z := (domain.Money{}); !z.IsZero() || z.String() != "" || money(t, "1", "SEK").IsZero() {
		t.Error("IsZero/String of the zero value")
	}
	if zero, _ := domain.NewMoney(0, "SEK"); zero.IsZero() {
		t.Error("0 SEK is not the zero value")
	}
}

func TestMoneyJSON(t *testing.T) {
	for _, m := range []domain.Money{money(t, "10", "SEK"), money(t, "1000", "JPY"), money(t, "1.5", "KWD"), {}} {
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		var back domain.Money
		if err := json.Unmarshal(b, &back); err != nil || back != m {
			t.Errorf("%s: got %v, %v", b, back, err)
		}
	}
	b, _ := json.Marshal(money(t, "10", "SEK"))
	if string(b) != `{"amount":"10.00","currency":"SEK"}` {
		t.Errorf("stored form %s", b)
	}
	zero, _ := domain.NewMoney(0, "NOK")
	b, _ = json.Marshal(zero)
	var back domain.Money
	if err := json.Unmarshal(b, &back); err != nil || back != zero {
		t.Errorf("%s: got %v, %v", b, back, err)
	}
	for _, bad := range []string{
		`{"amount":"10.001","currency":"SEK"}`,
		`{"amount":"-1","currency":"SEK"}`,
		`{"amount":"1e3","currency":"SEK"}`,
		`{"amount":"10.00","currency":"XXX"}`,
		`{"amount":10,"currency":"SEK"}`,
		`{"amount":"","currency":"SEK"}`,
		`"10.00"`,
	} {
		var m domain.Money
		if err := json.Unmarshal([]byte(bad), &m); err == nil {
			t.Errorf("%s: decoded as %v", bad, m)
		}
	}
}

func FuzzParseAmount(f *testing.F) {
	for _, seed := range []struct{ raw, currency string }{
		{"10.00", "SEK"}, {"10", "JPY"}, {"1.500", "KWD"}, {"0.0001", "CLF"}, {"10.001", "SEK"},
		{"1e3", "SEK"}, {"-1", "EUR"}, {"9999999999999.99", "NOK"}, {"010", "SEK"}, {"", ""},
		{"1000.0", "JPY"}, {"1.0E7", "SEK"}, {"1.5e-2", "SEK"}, {"1e-99999999999", "EUR"},
	} {
		f.Add(seed.raw, seed.currency)
	}
	f.Fuzz(func(t *testing.T, raw, currency string) {
		m, err := domain.ParseAmount(raw, currency)
		if err != nil {
			var e *domain.Error
			if !errors.As(err, &e) || !errors.Is(err, domain.ErrValidation) || len(e.Problems) != 1 {
				t.Fatalf("error %v is not a validation error with one problem", err)
			}
			// The format problem's own example ("e.g. 10.00") is not the value (" 10." is in it).
			if desc := strings.ReplaceAll(e.Problems[0].Description, "e.g. 10.00", ""); len(raw) >= 4 && strings.Contains(desc, raw) {
				t.Fatalf("problem %q leaks the value", e.Problems[0].Description)
			}
			return
		}
		if m.MinorUnits() <= 0 || m.MinorUnits() > domain.MaxMinorUnits || m.Currency() != currency {
			t.Fatalf("ParseAmount(%q, %q) = %d %s", raw, currency, m.MinorUnits(), m.Currency())
		}
		text := m.String()
		if back, err := domain.ParseAmount(text, currency); err != nil || back != m {
			t.Fatalf("%q → %q → %v, %v", raw, text, back, err)
		}
		// The rendering is exactly the value sent: nothing was rounded.
		sent, ok1 := new(big.Rat).SetString(raw)
		shown, ok2 := new(big.Rat).SetString(text)
		if !ok1 || !ok2 || sent.Cmp(shown) != 0 {
			t.Fatalf("%q rendered as %q", raw, text)
		}
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		var stored domain.Money
		if err := json.Unmarshal(b, &stored); err != nil || stored != m {
			t.Fatalf("%s: %v, %v", b, stored, err)
		}
	})
}
