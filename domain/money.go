package domain

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/nordledger/ledger/domain/nordic"
)

// MaxMinorUnits is the largest amount a Money can hold, in minor units: 10^15 − 1 (for SEK
// 9 999 999 999 999.99). At most 15 significant digits means every amount survives a round trip
// through an IEEE 754 double, so clients that read JSON numbers as floating point (JavaScript)
// still read the exact amount; and no sum of two amounts overflows an int64.
const MaxMinorUnits int64 = 999_999_999_999_999

// maxDecimals is the most minor-unit digits any ISO 4217 currency has (CLF and UYW: 4).
const maxDecimals = 4

// Money is an amount in a currency, held as an integer number of the currency's minor units
// (ISO 4217: öre for SEK, none for JPY and ISK, fils for KWD) — never as floating point. The
// zero value is "no amount" (no currency); a Money from ParseAmount is positive, and amounts
// kept in state may also be zero (a depleted surplus's balance).
//
// Money is comparable: == compares amount and currency.
type Money struct {
	minor    int64
	currency string
}

// ParseAmount parses an amount as a client sent it — the text of a JSON number such as "10.00",
// "10" or "10.5" — in an ISO 4217 currency (upper case, e.g. "SEK"). The amount must be positive,
// written in plain decimal notation (no sign, exponent, leading zeros, NaN or Infinity), with at
// most as many decimals as the currency has minor-unit digits ("10.001" SEK and "10.0" JPY are
// rejected even when the extra digits are zeros), and at most MaxMinorUnits minor units. Nothing
// is ever rounded.
//
// The error is a validation *Error with one problem named "amount" (or "currency" when the
// currency is not valid); its description never contains the value.
func ParseAmount(raw, currency string) (Money, error) {
	digits, ok := nordic.Currency(currency)
	if !ok {
		return Money{}, ValidationError(Problem{PropCurrency, "currency must be an ISO 4217 currency code"})
	}
	d, msg := parseDecimal(PropAmount, raw)
	var minor int64
	if msg == "" {
		minor, msg = positiveMinor(PropAmount, d, digits, currency)
	}
	if msg != "" {
		return Money{}, ValidationError(Problem{PropAmount, msg})
	}
	return Money{minor: minor, currency: currency}, nil
}

// NewMoney returns minorUnits of an ISO 4217 currency (upper case); 0 ≤ minorUnits ≤
// MaxMinorUnits.
func NewMoney(minorUnits int64, currency string) (Money, error) {
	if _, ok := nordic.Currency(currency); !ok {
		return Money{}, fmt.Errorf("domain: %q is not an ISO 4217 currency code", currency)
	}
	if minorUnits < 0 || minorUnits > MaxMinorUnits {
		return Money{}, fmt.Errorf("domain: %d minor units is out of range", minorUnits)
	}
	return Money{minor: minorUnits, currency: currency}, nil
}

// MinorUnits returns the amount in the currency's minor units (1000 for 10.00 SEK).
func (m Money) MinorUnits() int64 { return m.minor }

// Currency returns the ISO 4217 code ("" for the zero value).
func (m Money) Currency() string { return m.currency }

// IsZero reports whether m is the zero value (no currency), not whether the amount is 0.
func (m Money) IsZero() bool { return m == Money{} }

// String renders the amount with exactly the currency's minor-unit digits and no currency:
// "10.00" (SEK), "1000" (JPY, ISK), "1.500" (KWD). The zero value renders as "".
func (m Money) String() string {
	if m.currency == "" {
		return ""
	}
	digits, _ := nordic.Currency(m.currency)
	s := strconv.FormatInt(m.minor, 10)
	if digits == 0 {
		return s
	}
	if len(s) <= digits {
		s = strings.Repeat("0", digits-len(s)+1) + s
	}
	return s[:len(s)-digits] + "." + s[len(s)-digits:]
}

// JSON returns the amount as the text of a JSON number with exactly the currency's minor-unit
// digits (see String), for API responses: a json.Number marshals verbatim, so 10.00 stays 10.00.
func (m Money) JSON() json.Number { return json.Number(m.String()) }

// moneyJSON is how Money is stored in events and state: the amount as a decimal string (exact,
// readable in the audit trail) and the currency.
type moneyJSON struct {
	Amount   string `json:"amount"`
	Currency string `json:"currency"`
}

// MarshalJSON stores m as {"amount":"10.00","currency":"SEK"}; the zero value as null.
func (m Money) MarshalJSON() ([]byte, error) {
	if m.currency == "" {
		return []byte("null"), nil
	}
	return json.Marshal(moneyJSON{Amount: m.String(), Currency: m.currency})
}

// UnmarshalJSON reads what MarshalJSON wrote. The amount may be 0 (a depleted balance) but
// otherwise follows ParseAmount's rules.
func (m *Money) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*m = Money{}
		return nil
	}
	var j moneyJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	digits, ok := nordic.Currency(j.Currency)
	if !ok {
		return fmt.Errorf("domain: money: %q is not an ISO 4217 currency code", j.Currency)
	}
	n, msg := parseMinorAllowZero("amount", j.Amount, digits, j.Currency)
	if msg != "" {
		return fmt.Errorf("domain: money: %s", msg)
	}
	*m = Money{minor: n, currency: j.Currency}
	return nil
}

// sub returns m − o; both have the same currency and o ≤ m (callers check).
func (m Money) sub(o Money) Money { return Money{minor: m.minor - o.minor, currency: m.currency} }

// parseMinorAllowZero parses a non-negative amount with at most digits decimals.
func parseMinorAllowZero(name, raw string, digits int, currency string) (int64, string) {
	d, msg := parseDecimal(name, raw)
	if msg != "" {
		return 0, msg
	}
	return d.minorUnits(name, digits, currency)
}

// decimal is a non-negative amount in plain decimal notation, before its currency is known
// (a settle request's amount): the digits without the point, and how many of them are decimals.
type decimal struct {
	digits string // the integer and the fraction digits, without the point
	scale  int    // how many of them are decimals, 0..maxDecimals
}

// parseDecimal checks the syntax of a non-negative JSON number in plain notation with at most
// maxDecimals decimals and at most 15 integer digits.
func parseDecimal(name, raw string) (decimal, string) {
	const format = " must be a number written with digits and an optional decimal point, e.g. 10.00"
	if raw == "" {
		return decimal{}, name + " is required"
	}
	if raw[0] == '-' {
		return decimal{}, name + " must be greater than zero"
	}
	if strings.ContainsAny(raw, "eE") && strings.Trim(raw, "0123456789.eE+-") == "" {
		return decimal{}, name + " must be written without an exponent, in plain decimal notation such as 1000.00"
	}
	intPart, frac, hasPoint := strings.Cut(raw, ".")
	if !allDigits(intPart) || (hasPoint && !allDigits(frac)) || (len(intPart) > 1 && intPart[0] == '0') {
		return decimal{}, name + format
	}
	if len(frac) > maxDecimals {
		return decimal{}, fmt.Sprintf("%s must have at most %d decimals", name, maxDecimals)
	}
	if len(intPart) > 15 {
		return decimal{}, name + " is too large"
	}
	return decimal{digits: intPart + frac, scale: len(frac)}, ""
}

// minorUnits converts the decimal to minor units of a currency with the given number of
// minor-unit digits, or returns a problem description.
func (d decimal) minorUnits(name string, digits int, currency string) (int64, string) {
	if d.scale > digits {
		if digits == 0 {
			return 0, fmt.Sprintf("%s must be a whole number for %s", name, currency)
		}
		return 0, fmt.Sprintf("%s must have at most %d decimals for %s", name, digits, currency)
	}
	s := d.digits + strings.Repeat("0", digits-d.scale)
	s = strings.TrimLeft(s, "0")
	if len(s) > 15 {
		return 0, fmt.Sprintf("%s must be at most %s %s", name, Money{minor: MaxMinorUnits, currency: currency}, currency)
	}
	var n int64
	for i := 0; i < len(s); i++ {
		n = n*10 + int64(s[i]-'0')
	}
	return n, ""
}

// allDigits reports whether s is non-empty and all ASCII digits.
func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
