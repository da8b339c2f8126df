package auth

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Claims describes a development token for MintHS256.
type Claims struct {
	// Subject is the "sub" claim, the actor; required.
	Subject string
	// Ledgers is the "ledgers" claim: ledger numbers; "*" among them mints "ledgers":"*" (every
	// ledger).
	Ledgers []string
	// Scopes become the space-separated "scope" claim.
	Scopes []string
	// TTL is the token's lifetime: "exp" is now+TTL. Required, positive.
	TTL time.Duration
	// Issuer and Audience are the "iss" and "aud" claims, left out when empty.
	Issuer, Audience string
	// NotBefore is the "nbf" claim, left out when zero.
	NotBefore time.Time
}

// MintHS256 returns a development access token for c, signed with HS256 and
// secret (at least MinSecretLen bytes), issued ("iat") at now. Times are
// whole seconds. Production tokens come from the identity provider.
func MintHS256(secret []byte, c Claims, now time.Time) (string, error) {
	if err := c.validate(secret); err != nil {
		return "", err
	}
	claims := mintClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Subject:   c.Subject,
			Issuer:    c.Issuer,
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(c.TTL)),
		},
		Scope: strings.Join(c.Scopes, " "),
	}
	switch {
	case slices.Contains(c.Ledgers, AllLedgers):
		claims.Ledgers = AllLedgers // the documented form of every ledger
	case len(c.Ledgers) > 0:
		claims.Ledgers = c.Ledgers
	}
	if c.Audience != "" {
		claims.Audience = jwt.ClaimStrings{c.Audience}
	}
	if !c.NotBefore.IsZero() {
		claims.NotBefore = jwt.NewNumericDate(c.NotBefore)
	}
	token, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(secret)
	if err != nil {
		return "", fmt.Errorf("auth: signing token: %w", err)
	}
	return token, nil
}

// mintClaims is the claim set MintHS256 signs.
type mintClaims struct {
	jwt.RegisteredClaims
	Ledgers any    `json:"ledgers,omitempty"` // []string, or the string "*"
	Scope   string `json:"scope,omitempty"`
}

// validate reports every problem of c and secret at once.
func (c Claims) validate(secret []byte) error {
	var errs []error
	if len(secret) < MinSecretLen {
		errs = append(errs, fmt.Errorf("auth: secret is %d bytes, want at least %d", len(secret), MinSecretLen))
	}
	if strings.TrimSpace(c.Subject) == "" {
		errs = append(errs, errors.New("auth: subject is empty"))
	}
	if strings.TrimSpace(c.Subject) != c.Subject && strings.TrimSpace(c.Subject) != "" {
		errs = append(errs, errors.New("auth: subject begins or ends with white space (Verify refuses it)"))
	}
	if len(c.Subject) > MaxSubjectLen {
		errs = append(errs, fmt.Errorf("auth: subject is %d bytes, at most %d (Verify refuses longer ones)", len(c.Subject), MaxSubjectLen))
	}
	if strings.ContainsFunc(c.Subject, invisibleOrControl) {
		errs = append(errs, errors.New("auth: subject contains control or invisible formatting characters (Verify refuses them)"))
	}
	if c.TTL <= 0 {
		errs = append(errs, fmt.Errorf("auth: TTL %v is not positive", c.TTL))
	}
	for _, l := range c.Ledgers {
		if l == "" || strings.ContainsFunc(l, isSpace) {
			errs = append(errs, fmt.Errorf("auth: ledger %q is empty or contains white space", l))
		}
	}
	for _, s := range c.Scopes {
		if s == "" || strings.ContainsFunc(s, isSpace) {
			errs = append(errs, fmt.Errorf("auth: scope %q is empty or contains white space", s))
		}
	}
	return errors.Join(errs...)
}
