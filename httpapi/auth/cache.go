package auth

import (
	"crypto/sha256"
	"sync"
	"time"
)

// Verifying a token (parsing its JSON, checking its signature) cost a sixth of the CPU of a GET
// of a customer (BENCHMARKS.md), and clients send the same token with request after request. So
// an HS256 token that verified is remembered, by its SHA-256 (never the token itself), with its
// Principal: the same token again is accepted without verifying it again while it has not
// expired ("exp" plus the leeway, the parser's rule; "nbf" and "iat" only ever become valid as
// time passes), for at most verifiedTTL. The secret of HS256 tokens is fixed for the Verifier's
// life, so the answer cannot change otherwise. Tokens verified with a key of the JWK Set are not
// remembered: a key the identity provider retires must stop verifying as soon as the refreshed
// set lacks it. Failures are never remembered.

const (
	// verifiedTTL is how long a verified token is accepted without verifying it again.
	verifiedTTL = time.Minute
	// verifiedMax bounds the remembered tokens (about 100 bytes each).
	verifiedMax = 10_000
)

type verifiedToken struct {
	principal  Principal
	validUntil time.Time // the earlier of exp + leeway and verification + verifiedTTL
}

// verifiedCache remembers verified tokens. It is safe for concurrent use.
type verifiedCache struct {
	mu     sync.Mutex
	tokens map[[sha256.Size]byte]verifiedToken
}

// get returns the Principal of a token verified before that is still valid at now.
func (c *verifiedCache) get(key [sha256.Size]byte, now time.Time) (Principal, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.tokens[key]
	if !ok {
		return Principal{}, false
	}
	if !now.Before(t.validUntil) {
		delete(c.tokens, key)
		return Principal{}, false
	}
	return t.principal, true
}

// put remembers a token verified at now whose "exp" allows it until expiry (leeway included).
func (c *verifiedCache) put(key [sha256.Size]byte, p Principal, now, expiry time.Time) {
	until := now.Add(verifiedTTL)
	if expiry.Before(until) {
		until = expiry
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tokens == nil {
		c.tokens = make(map[[sha256.Size]byte]verifiedToken)
	}
	if len(c.tokens) >= verifiedMax {
		for k, t := range c.tokens { // expired ones first, then any (map order is random)
			if !now.Before(t.validUntil) {
				delete(c.tokens, k)
			}
		}
		for k := range c.tokens {
			if len(c.tokens) < verifiedMax*9/10 {
				break
			}
			delete(c.tokens, k)
		}
	}
	c.tokens[key] = verifiedToken{principal: p, validUntil: until}
}

// len returns the number of remembered tokens.
func (c *verifiedCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.tokens)
}
