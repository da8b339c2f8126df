package domain

import (
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nordledger/ledger/domain/nordic"
)

// SurplusInput is a register-surplus request as sent (the service's extension
// POST …/surpluses). Balance is the text of the JSON number, e.g. "10.00".
type SurplusInput struct {
	SurplusID Field[string]
	Balance   Field[string]
	Currency  Field[string]
	Date      Field[string]
	Invoice   Field[string]
	Account   Field[string]
}

// RegisterSurplus is a validated register-surplus command.
type RegisterSurplus struct {
	registered SurplusRegistered
}

// SurplusID returns the surplusId as it will be registered.
func (c RegisterSurplus) SurplusID() string { return c.registered.SurplusID }

// ParseRegisterSurplus validates a register-surplus request, reporting every failing property:
//   - surplusId: required, 1–50 characters of A–Z a–z 0–9 - . _ ~ (safe in a URL path as they
//     are), not "." or ".."; surrounding whitespace ignored;
//   - currency: required ISO 4217 code, case-insensitive, stored upper-case;
//   - balance: required, positive, with at most the currency's minor-unit digits (ParseAmount);
//   - date: yyyy-MM-ddTHH:mm:ss (UTC), optionally with "Z" or an offset (±hh:mm, converted to UTC);
//     no fractions of a second; from 1900 on and not after now (5 minutes of clock skew allowed);
//     defaults to now, truncated to the second;
//   - invoice / account: optional relative URIs: starting with one "/", at most 512 characters,
//     no scheme or host, valid percent-encoding, no spaces or control characters; not both.
//     Neither is fine: the document says surpluses without an invoice or account exist.
func ParseRegisterSurplus(in SurplusInput, now time.Time) (RegisterSurplus, error) {
	var ps problems
	var e SurplusRegistered
	e.SurplusID = parseSurplusID(&ps, in.SurplusID)

	currency, digits := "", -1
	if v, ok := required(&ps, PropCurrency, in.Currency); ok {
		if d, ok := nordic.Currency(asciiUpperString(v)); ok {
			currency, digits = asciiUpperString(v), d
		} else {
			ps.add(PropCurrency, "currency must be an ISO 4217 currency code")
		}
	}
	if !in.Balance.HasValue() {
		ps.add(PropBalance, "balance is required")
	} else if d, msg := parseDecimal(PropBalance, in.Balance.Value); msg != "" {
		ps.add(PropBalance, msg)
	} else if digits >= 0 {
		if n, msg := positiveMinor(PropBalance, d, digits, currency); msg != "" {
			ps.add(PropBalance, msg)
		} else {
			e.Balance = Money{minor: n, currency: currency}
		}
	}

	e.Date = now.UTC().Truncate(time.Second)
	if in.Date.HasValue() {
		if t, msg := parseSurplusDate(in.Date.Value, now); msg != "" {
			ps.add(PropDate, msg)
		} else {
			e.Date = t
		}
	}
	e.Invoice = parseSourceURI(&ps, PropInvoice, in.Invoice)
	e.Account = parseSourceURI(&ps, PropAccount, in.Account)
	if in.Invoice.HasValue() && in.Account.HasValue() {
		ps.add(PropAccount, "a surplus is connected to an invoice or an account, not both: send invoice or account")
	}
	if err := ps.err(); err != nil {
		return RegisterSurplus{}, err
	}
	return RegisterSurplus{registered: e}, nil
}

// parseSurplusID validates a surplusId (see ParseRegisterSurplus).
func parseSurplusID(ps *problems, f Field[string]) string {
	v, ok := required(ps, PropSurplusID, f)
	if !ok {
		return ""
	}
	if msg := idProblem(v); msg != "" {
		ps.add(PropSurplusID, PropSurplusID+" "+msg)
		return ""
	}
	return v
}

// idProblem checks an identifier that appears in URL paths (surplusId, orderId): 1–50
// characters of A–Z a–z 0–9 - . _ ~, not "." or "..". It returns "" or a problem ending.
func idProblem(v string) string {
	if v == "" || utf8.RuneCountInString(v) > MaxSurplusIDLength {
		return fmt.Sprintf("must be 1 to %d characters", MaxSurplusIDLength)
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~", c) >= 0) {
			return "may contain only letters A-Z, digits and - . _ ~"
		}
	}
	if v == "." || v == ".." {
		return "must not be . or .."
	}
	return ""
}

// positiveMinor converts a decimal to minor units of a currency and requires it to be positive.
func positiveMinor(name string, d decimal, digits int, currency string) (int64, string) {
	n, msg := d.minorUnits(name, digits, currency)
	if msg == "" && n == 0 {
		return 0, name + " must be greater than zero"
	}
	return n, msg
}

// parseSurplusDate parses a surplus date (see ParseRegisterSurplus) and returns it in UTC.
func parseSurplusDate(raw string, now time.Time) (time.Time, string) {
	const format = "date must be written yyyy-MM-ddTHH:mm:ss (UTC), e.g. 2023-01-01T00:00:00"
	v := strings.TrimSpace(raw)
	if len(v) < len(SurplusDateLayout) {
		return time.Time{}, format
	}
	local, zone := v[:len(SurplusDateLayout)], v[len(SurplusDateLayout):]
	t, err := time.Parse(SurplusDateLayout, local)
	if err != nil || t.Format(SurplusDateLayout) != local {
		return time.Time{}, format
	}
	switch {
	case zone == "" || zone == "Z" || zone == "z":
	case len(zone) == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':' && allDigits(zone[1:3]) && allDigits(zone[4:]):
		h, m := int(zone[1]-'0')*10+int(zone[2]-'0'), int(zone[4]-'0')*10+int(zone[5]-'0')
		if h > 23 || m > 59 {
			return time.Time{}, format
		}
		offset := time.Duration(h)*time.Hour + time.Duration(m)*time.Minute
		if zone[0] == '+' {
			offset = -offset
		}
		t = t.Add(offset)
	default:
		return time.Time{}, format + "; fractions of a second are not allowed"
	}
	switch {
	case t.Year() < 1900:
		return time.Time{}, "date must not be before 1900"
	case t.After(now.Add(maxDateSkew)):
		return time.Time{}, "date must not be in the future"
	}
	return t.UTC(), ""
}

// parseSourceURI validates an optional invoice or account reference (see ParseRegisterSurplus).
func parseSourceURI(ps *problems, name string, f Field[string]) string {
	if !f.HasValue() {
		return ""
	}
	v := strings.TrimSpace(f.Value)
	problem := name + " must be a relative URI starting with /, e.g. /ledger/invoice/v1/1000/invoices/AAA"
	switch {
	case v == "":
		ps.add(name, name+" must not be empty; leave it out instead")
		return ""
	case len(v) > maxSourceURILength:
		ps.add(name, fmt.Sprintf("%s must be at most %d characters", name, maxSourceURILength))
		return ""
	case v[0] != '/' || strings.HasPrefix(v, "//"):
		ps.add(name, problem)
		return ""
	}
	for i := 0; i < len(v); i++ {
		if v[i] <= ' ' || v[i] >= 0x7f || strings.IndexByte(`"<>\^`+"`{|}", v[i]) >= 0 {
			ps.add(name, name+" must be a URI: characters outside ASCII, spaces and control characters must be percent-encoded")
			return ""
		}
	}
	u, err := url.Parse(v)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		ps.add(name, problem)
		return ""
	}
	return v
}

// asciiUpperString upper-cases ASCII letters.
func asciiUpperString(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - ('a' - 'A')
		}
	}
	return string(b)
}

// SettleInput is a settle request as sent: {"amount": 10.00}, the amount optional (the whole
// balance when absent or null). Amount is the text of the JSON number.
type SettleInput struct {
	Amount Field[string]
}

// SettleSurplus is a validated settle command. Its amount is checked against the surplus's
// currency and balance when it is decided. The zero value settles the whole balance.
type SettleSurplus struct {
	amount *decimal // nil: the whole balance
}

// ParseSettleSurplus validates a settle request's syntax: an amount, when given, is a positive
// number in plain decimal notation (see ParseAmount). Its decimals are checked against the
// currency by Customer.SettleSurplus.
func ParseSettleSurplus(in SettleInput) (SettleSurplus, error) {
	if !in.Amount.HasValue() {
		return SettleSurplus{}, nil
	}
	d, msg := parseDecimal(PropAmount, in.Amount.Value)
	if msg == "" && strings.Trim(d.digits, "0") == "" {
		msg = PropAmount + " must be greater than zero"
	}
	if msg != "" {
		return SettleSurplus{}, ValidationError(Problem{PropAmount, msg})
	}
	return SettleSurplus{amount: &d}, nil
}

// WholeBalance reports whether the command settles the whole balance (no amount given).
func (c SettleSurplus) WholeBalance() bool { return c.amount == nil }
