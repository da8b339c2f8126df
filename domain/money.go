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
// "10", "10.5", or with an exponent as double-based clients write them, "1.0E7" — in an ISO 4217
// currency (upper case, e.g. "SEK"). The amount must be positive (no sign, leading zeros, NaN or
// Infinity), its exact value have at most as many decimals as the currency has minor-unit digits
// ("10.001" SEK and "10.5" JPY are rejected; "10.000" SEK and "1000.0" JPY are 10 and 1000: zeros
// at the end of the fraction are no decimals of the value), and at most MaxMinorUnits minor
// units. Nothing is ever rounded.
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

// UnmarshalJSON reads what MarshalJSON wrote: plain decimal text with at most the currency's
// digits. The amount may be 0 (a depleted balance).
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
	// The stored form is plain decimal text with at most the currency's digits, as String writes
	// it; the notations a client may send (an exponent, zeros beyond the currency's digits) are
	// not stored.
	_, frac, _ := strings.Cut(j.Amount, ".")
	if strings.ContainsAny(j.Amount, "eE") || len(frac) > digits {
		return fmt.Errorf("domain: money: amount %q is not in the stored form", j.Amount)
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

// decimal is a non-negative amount, before its currency is known (a settle request's amount):
// its significant digits without the point, and how many of them are decimals. It is normalised:
// no leading zeros, and no trailing zeros among the decimals ("10.500" is "105", scale 1; zero is
// "", scale 0).
type decimal struct {
	digits string // the integer and the fraction digits, without the point
	scale  int    // how many of them are decimals (checked against a currency's digits by minorUnits)
}

// maxExponent bounds the exponent parseDecimal reads: any larger one makes an amount too large
// (or too small), so its digits need not be counted.
const maxExponent = 1000

// parseDecimal reads a non-negative JSON number as the exact decimal it denotes: in plain notation
// ("10.00") or with an exponent ("1.0E7", "150e-2"), as clients that hold amounts as doubles write
// them (Java writes 10 000 000.0 as 1.0E7 and 1000.0 for 1000). Trailing zeros of the fraction are
// not decimals of the amount ("1000.0" is 1000, "10.000" is 10). The amount may have at most 15
// integer digits; its decimals are checked against its currency's (minorUnits), which names the
// currency's own limit. Nothing is rounded.
func parseDecimal(name, raw string) (decimal, string) {
	const format = " must be a number written with digits and an optional decimal point, e.g. 10.00"
	if raw == "" {
		return decimal{}, name + " is required"
	}
	if raw[0] == '-' {
		return decimal{}, name + " must be greater than zero"
	}
	mantissa, exp, hasExp := strings.Cut(raw, "e")
	if !hasExp {
		mantissa, exp, hasExp = strings.Cut(raw, "E")
	}
	e := 0
	if hasExp {
		neg := strings.HasPrefix(exp, "-")
		exp = strings.TrimPrefix(strings.TrimPrefix(exp, "+"), "-")
		if !allDigits(exp) {
			return decimal{}, name + format
		}
		for i := 0; i < len(exp) && e <= maxExponent; i++ {
			e = e*10 + int(exp[i]-'0')
		}
		if neg {
			e = -e
		}
	}
	intPart, frac, hasPoint := strings.Cut(mantissa, ".")
	if !allDigits(intPart) || (hasPoint && !allDigits(frac)) || (len(intPart) > 1 && intPart[0] == '0') {
		return decimal{}, name + format
	}
	// The value is digits × 10^-scale.
	digits := strings.TrimLeft(intPart+frac, "0")
	scale := len(frac) - e
	for digits != "" && scale > 0 && digits[len(digits)-1] == '0' {
		digits, scale = digits[:len(digits)-1], scale-1
	}
	switch {
	case digits == "":
		return decimal{}, "" // zero: the callers say what they make of it
	case len(digits)-scale > 15:
		return decimal{}, name + " is too large"
	case scale < 0:
		digits, scale = digits+strings.Repeat("0", -scale), 0
	}
	return decimal{digits: digits, scale: scale}, ""
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
