package auth

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// MaxTokenLen is the longest token Verify parses; longer ones are refused
// unread. Access tokens are a few hundred bytes.
const MaxTokenLen = 8 << 10

// The signing algorithms of each key source. Nothing else is ever accepted:
// not "none", not HS256 against a JWKS key, not RS256 against the secret.
var (
	secretAlgorithms = []string{jwt.SigningMethodHS256.Alg()}
	jwksAlgorithms   = []string{jwt.SigningMethodRS256.Alg(), jwt.SigningMethodES256.Alg()}
)

// Verifier checks access tokens. It is safe for concurrent use.
type Verifier struct {
	secret     []byte    // nil unless HS256 is configured
	jwks       *jwksKeys // nil unless a JWKS URL is configured
	algorithms []string
	issuer     string // required "iss" value, if any
	audience   string // required "aud" value, if any
	parser     *jwt.Parser
	cancel     context.CancelFunc
	now        func() time.Time
	leeway     time.Duration
	verified   verifiedCache // tokens verified before (cache.go)
	parses     atomic.Int64  // full verifications, for tests
}

// NewVerifier returns a Verifier for cfg, after checking cfg with Validate.
// With a JWKS URL it fetches the key set before returning and fails if that
// fetch fails or yields no usable key; the key set is then refreshed in the
// background until ctx ends or Close is called.
func NewVerifier(ctx context.Context, cfg Config) (*Verifier, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	ctx, cancel := context.WithCancel(ctx)
	v := &Verifier{issuer: cfg.Issuer, audience: cfg.Audience, cancel: cancel, now: cfg.Now, leeway: cfg.Leeway}
	if len(cfg.HS256Secret) > 0 {
		v.secret = bytes.Clone(cfg.HS256Secret)
		v.algorithms = append(v.algorithms, secretAlgorithms...)
	}
	if cfg.JWKSURL != "" {
		jwks, err := newJWKS(ctx, cfg)
		if err != nil {
			cancel()
			return nil, err
		}
		v.jwks = jwks
		v.algorithms = append(v.algorithms, jwksAlgorithms...)
	}
	opts := []jwt.ParserOption{
		jwt.WithValidMethods(v.algorithms),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(cfg.Leeway),
		jwt.WithTimeFunc(cfg.Now),
		jwt.WithStrictDecoding(),
	}
	if cfg.Issuer != "" {
		opts = append(opts, jwt.WithIssuer(cfg.Issuer))
	}
	if cfg.Audience != "" {
		opts = append(opts, jwt.WithAudience(cfg.Audience))
	}
	v.parser = jwt.NewParser(opts...)
	return v, nil
}

// Close stops the background JWKS refresh. Tokens signed with keys already
// fetched, and HS256 tokens, still verify. Close may be called more than once.
func (v *Verifier) Close() {
	v.cancel()
}

// Verify checks token (without the "Bearer " prefix): its size, algorithm,
// signature, "exp" (required), "nbf", "iat", "iss" and "aud" (when
// configured) and "sub" (required), that no claim it reads is named in another
// case or twice (claimnames.go), and that its header has no "crit" (no
// extension is understood), and returns the Principal it describes.
// Every error matches ErrInvalidToken. An HS256 token that verified is remembered and accepted
// again without a new verification for up to a minute while it has not expired (cache.go).
//
// A token naming a key id the JWK Set lacks makes Verify refetch the set
// (at most once per Config.JWKSMinRefreshInterval); such calls may take as
// long as one fetch. A request should use VerifyContext, which stops waiting when it ends.
func (v *Verifier) Verify(token string) (Principal, error) {
	return v.VerifyContext(context.Background(), token)
}

// VerifyContext is Verify for a request with ctx: when ctx ends while the token waits for a
// refetch of the JWK Set, it stops waiting and returns an error matching ctx.Err() (and not
// ErrInvalidToken: nothing is known of the token). The refetch itself is shared by every
// token waiting for it and goes on, bounded by the HTTP timeout, for the others.
func (v *Verifier) VerifyContext(ctx context.Context, token string) (Principal, error) {
	switch {
	case token == "":
		return Principal{}, invalid("empty token")
	case len(token) > MaxTokenLen:
		return Principal{}, invalid("token longer than 8 KiB")
	}
	now := v.now()
	key := sha256.Sum256([]byte(token))
	if p, ok := v.verified.get(key, now); ok {
		return p, nil
	}
	v.parses.Add(1)
	var claims tokenClaims
	parsed, err := v.parser.ParseWithClaims(token, &claims, func(t *jwt.Token) (any, error) { return v.key(ctx, t) })
	if err != nil {
		if cerr := ctx.Err(); cerr != nil && errors.Is(err, cerr) {
			return Principal{}, fmt.Errorf("auth: the request ended while its token waited for the JWK Set: %w", cerr)
		}
		return Principal{}, invalid(v.reason(err, parsed, &claims))
	}
	if err := v.checkClaimNames(token); err != nil { // claimnames.go
		return Principal{}, err
	}
	if _, ok := parsed.Header["crit"]; ok {
		// RFC 7515 §4.1.11: a JWS whose critical extensions are not understood is invalid, and
		// this Verifier understands none (golang-jwt ignores the header).
		return Principal{}, invalid("unsupported critical header parameters (crit)")
	}
	p, err := claims.principal()
	if err == nil && parsed.Method.Alg() == jwt.SigningMethodHS256.Alg() {
		v.verified.put(key, p, now, p.ExpiresAt.Add(v.leeway))
	}
	return p, err
}

// key is the jwt.Keyfunc: each algorithm family gets the key of its own
// source, so an HS256 token is never checked against a JWKS key.
func (v *Verifier) key(ctx context.Context, t *jwt.Token) (any, error) {
	switch alg := t.Method.Alg(); {
	case v.secret != nil && slices.Contains(secretAlgorithms, alg):
		return v.secret, nil
	case v.jwks != nil && slices.Contains(jwksAlgorithms, alg):
		return v.jwks.key(ctx, t)
	default:
		return nil, errAlgorithm
	}
}

var errAlgorithm = errors.New("algorithm not allowed")
