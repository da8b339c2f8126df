package auth

import (
	"errors"
	"slices"
	"strings"

	"github.com/golang-jwt/jwt/v5"
)

// reason turns an error of jwt.Parser.ParseWithClaims into a short
// explanation. It is built from the error's kind, never from its text, which
// may quote parts of the token.
func (v *Verifier) reason(err error, t *jwt.Token, c *tokenClaims) string {
	switch {
	case errors.Is(err, errNumericDate):
		return "malformed token: " + errNumericDate.Error()
	case errors.Is(err, jwt.ErrTokenMalformed):
		return "malformed token"
	case !v.algorithmAllowed(t), errors.Is(err, errAlgorithm):
		return "algorithm not allowed"
	case errors.Is(err, errShortRSAKey):
		return errShortRSAKey.Error()
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		return "no signing key matches the token"
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return "bad signature"
	case errors.Is(err, jwt.ErrTokenInvalidClaims):
		return v.claimsReason(err, c)
	default:
		return "verification failed"
	}
}

// algorithmAllowed reports whether the token's header names an algorithm
// this Verifier accepts.
func (v *Verifier) algorithmAllowed(t *jwt.Token) bool {
	if t == nil {
		return false
	}
	alg, _ := t.Header["alg"].(string)
	return slices.Contains(v.algorithms, alg)
}

// claimsReason explains every failed claim check in err.
func (v *Verifier) claimsReason(err error, c *tokenClaims) string {
	var reasons []string
	for _, check := range []struct {
		err    error
		reason string
	}{
		{jwt.ErrTokenExpired, "token expired"},
		{jwt.ErrTokenNotValidYet, "token not valid yet (nbf)"},
		{jwt.ErrTokenUsedBeforeIssued, "token issued in the future (iat)"},
		{jwt.ErrTokenInvalidIssuer, "wrong issuer"},
		{jwt.ErrTokenInvalidAudience, "wrong audience"},
	} {
		if errors.Is(err, check.err) {
			reasons = append(reasons, check.reason)
		}
	}
	if errors.Is(err, jwt.ErrTokenRequiredClaimMissing) {
		reasons = append(reasons, "missing claim "+strings.Join(v.missingClaims(c), ", "))
	}
	if len(reasons) == 0 {
		return "invalid claims"
	}
	return strings.Join(reasons, "; ")
}

// missingClaims names the required registered claims that c lacks: "exp"
// always, "iss" and "aud" when they are configured.
func (v *Verifier) missingClaims(c *tokenClaims) []string {
	var missing []string
	if c.ExpiresAt == nil {
		missing = append(missing, "exp")
	}
	if v.issuer != "" && c.Issuer == "" {
		missing = append(missing, "iss")
	}
	if v.audience != "" && !slices.ContainsFunc(c.Audience, func(a string) bool { return a != "" }) {
		missing = append(missing, "aud")
	}
	return missing
}
