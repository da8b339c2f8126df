package auth

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode"

	"github.com/golang-jwt/jwt/v5"
)

// tokenClaims is the claim set of an access token. The service's own claims
// stay raw until the signature has been verified, so that a forged token
// learns nothing from how they are parsed.
type tokenClaims struct {
	jwt.RegisteredClaims
	// ExpiresAt, NotBefore and IssuedAt shadow the embedded fields of the same
	// JSON names (encoding/json takes the shallower field), so that they must
	// be JSON numbers; the Get methods below hand them to the parser's checks.
	// Like every registered claim they are decoded before the signature is
	// checked (golang-jwt decodes the claims first).
	ExpiresAt *numericDate    `json:"exp,omitempty"`
	NotBefore *numericDate    `json:"nbf,omitempty"`
	IssuedAt  *numericDate    `json:"iat,omitempty"`
	Ledgers   json.RawMessage `json:"ledgers,omitempty"`
	Scope     json.RawMessage `json:"scope,omitempty"`
}

// GetExpirationTime implements jwt.Claims with the strictly decoded "exp".
func (c *tokenClaims) GetExpirationTime() (*jwt.NumericDate, error) { return c.ExpiresAt.date(), nil }

// GetNotBefore implements jwt.Claims with the strictly decoded "nbf".
func (c *tokenClaims) GetNotBefore() (*jwt.NumericDate, error) { return c.NotBefore.date(), nil }

// GetIssuedAt implements jwt.Claims with the strictly decoded "iat".
func (c *tokenClaims) GetIssuedAt() (*jwt.NumericDate, error) { return c.IssuedAt.date(), nil }

// MaxSubjectLen is the most bytes of a token's sub: OpenID Connect's bound of 255 ASCII
// characters for it.
const MaxSubjectLen = 255

// invisibleOrControl reports a control character (C0, C1) or an invisible formatting character
// (Unicode category Cf: bidi marks, overrides and isolates, zero-width spaces and joiners, the
// byte-order mark).
func invisibleOrControl(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) }

// principal turns verified claims into a Principal, or says which claim is
// unusable.
func (c *tokenClaims) principal() (Principal, error) {
	if strings.TrimSpace(c.Subject) == "" {
		return Principal{}, invalid("missing claim sub")
	}
	if len(c.Subject) > MaxSubjectLen {
		// sub is recorded on every event, whose actor the event log bounds, and is what the
		// audit query's actor filter names (at most 256 characters).
		return Principal{}, invalid(fmt.Sprintf("claim sub must be at most %d bytes", MaxSubjectLen))
	}
	if strings.TrimSpace(c.Subject) != c.Subject {
		return Principal{}, invalid("claim sub must not begin or end with white space")
	}
	if strings.ContainsFunc(c.Subject, invisibleOrControl) {
		// sub is the actor recorded on every event and shown line by line to auditors: a
		// newline would forge a line of its own, an escape sequence reach their terminal, and an
		// invisible formatting character (a bidi override, a zero-width space) make one actor
		// look like another.
		return Principal{}, invalid("claim sub must not contain control or invisible formatting characters")
	}
	ledgers, err := parseLedgers(c.Ledgers)
	if err != nil {
		return Principal{}, err
	}
	scopes, err := parseScope(c.Scope)
	if err != nil {
		return Principal{}, err
	}
	p := NewPrincipal(c.Subject, ledgers, scopes)
	p.Issuer = c.Issuer
	if c.ExpiresAt != nil {
		p.ExpiresAt = c.ExpiresAt.Time
	}
	return p, nil
}

// parseLedgers reads the "ledgers" claim: an array of ledger numbers (JSON
// strings, or non-negative integers), or the single string "*". An absent or
// null claim grants no ledger.
func parseLedgers(raw json.RawMessage) ([]string, error) {
	errBad := invalid(`claim ledgers must be an array of ledger numbers or "*"`)
	if isNull(raw) {
		return nil, nil
	}
	var all string
	if err := json.Unmarshal(raw, &all); err == nil {
		if all != AllLedgers {
			return nil, errBad
		}
		return []string{AllLedgers}, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var items []any
	if err := dec.Decode(&items); err != nil {
		return nil, errBad
	}
	ledgers := make([]string, 0, len(items))
	for _, item := range items {
		var l string
		switch v := item.(type) {
		case string:
			l = v
		case json.Number:
			l = v.String()
			if !isDigits(l) {
				return nil, errBad
			}
		default:
			return nil, errBad
		}
		if l == "" || strings.ContainsFunc(l, isSpace) {
			return nil, errBad
		}
		ledgers = append(ledgers, l)
	}
	return ledgers, nil
}

// parseScope reads the "scope" claim: a space-separated string (RFC 8693
// §4.2). An absent or null claim grants no scope.
func parseScope(raw json.RawMessage) ([]string, error) {
	if isNull(raw) {
		return nil, nil
	}
	var scope string
	if err := json.Unmarshal(raw, &scope); err != nil {
		return nil, invalid("claim scope must be a space-separated string")
	}
	return strings.Fields(scope), nil
}

func isNull(raw json.RawMessage) bool {
	return len(raw) == 0 || string(raw) == "null"
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func isSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\r'
}
