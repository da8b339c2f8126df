package auth

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"
)

// MinSecretLen is the shortest HS256 secret accepted: 32 bytes, the size of
// the SHA-256 output (RFC 7518 §3.2).
const MinSecretLen = 32

// Defaults applied by NewVerifier to the zero values of Config.
const (
	DefaultLeeway                 = 30 * time.Second
	DefaultHTTPTimeout            = 10 * time.Second
	DefaultJWKSRefreshInterval    = time.Hour
	DefaultJWKSMinRefreshInterval = time.Minute
)

// Config configures a Verifier. At least one key source must be set: an
// HS256 secret (development) or a JWKS URL (production); with both, HS256
// tokens are checked against the secret and RS256/ES256 tokens against the
// JWKS. The zero value of every other field selects its documented default.
type Config struct {
	// HS256Secret is the shared secret of development tokens, at least
	// MinSecretLen bytes. It allows the HS256 algorithm only.
	HS256Secret []byte
	// JWKSURL is the http(s) URL of the identity provider's JWK Set. It allows
	// the RS256 and ES256 algorithms. The set is fetched when the Verifier is
	// created, refreshed every JWKSRefreshInterval, and refreshed early when a
	// token names a key id the set lacks (at most once per
	// JWKSMinRefreshInterval).
	JWKSURL string
	// Issuer, when non-empty, must equal the token's "iss" claim.
	Issuer string
	// Audience, when non-empty, must be among the token's "aud" claim.
	Audience string
	// Leeway is the clock skew allowed when checking "exp", "nbf" and "iat".
	// Zero means DefaultLeeway.
	Leeway time.Duration
	// HTTPClient fetches the JWKS. Nil means a client with a
	// DefaultHTTPTimeout timeout. A fetch never takes longer than the client's
	// Timeout, or DefaultHTTPTimeout when the client has none.
	HTTPClient *http.Client
	// JWKSRefreshInterval is how often the JWKS is fetched again in the
	// background. Zero means DefaultJWKSRefreshInterval.
	JWKSRefreshInterval time.Duration
	// JWKSMinRefreshInterval rate-limits the refreshes triggered by tokens with
	// an unknown key id (a key rotation, or garbage). Zero means
	// DefaultJWKSMinRefreshInterval.
	JWKSMinRefreshInterval time.Duration
	// Logger receives failed background JWKS refreshes. Nil means
	// slog.Default().
	Logger *slog.Logger
	// Now tells the time when checking "exp", "nbf" and "iat". Nil means
	// time.Now; tests set it.
	Now func() time.Time
}

// Validate reports every problem of c at once (errors.Join), or nil.
func (c Config) Validate() error {
	var errs []error
	if len(c.HS256Secret) == 0 && c.JWKSURL == "" {
		errs = append(errs, errors.New("auth: neither an HS256 secret nor a JWKS URL is configured"))
	}
	if n := len(c.HS256Secret); n > 0 && n < MinSecretLen {
		errs = append(errs, fmt.Errorf("auth: HS256 secret is %d bytes, want at least %d", n, MinSecretLen))
	}
	if c.JWKSURL != "" {
		if err := validateJWKSURL(c.JWKSURL); err != nil {
			errs = append(errs, err)
		}
	}
	for _, d := range []struct {
		name string
		d    time.Duration
	}{
		{"leeway", c.Leeway},
		{"JWKS refresh interval", c.JWKSRefreshInterval},
		{"JWKS minimum refresh interval", c.JWKSMinRefreshInterval},
	} {
		if d.d < 0 {
			errs = append(errs, fmt.Errorf("auth: %s %v is negative", d.name, d.d))
		}
	}
	return errors.Join(errs...)
}

// validateJWKSURL accepts absolute http and https URLs with a host.
func validateJWKSURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("auth: JWKS URL: %w", err)
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return fmt.Errorf("auth: JWKS URL %q: scheme must be https or http", raw)
	}
	if u.Host == "" {
		return fmt.Errorf("auth: JWKS URL %q has no host", raw)
	}
	return nil
}

// withDefaults returns c with its zero values replaced by the defaults.
func (c Config) withDefaults() Config {
	if c.Leeway == 0 {
		c.Leeway = DefaultLeeway
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: DefaultHTTPTimeout}
	}
	if c.JWKSRefreshInterval == 0 {
		c.JWKSRefreshInterval = DefaultJWKSRefreshInterval
	}
	if c.JWKSMinRefreshInterval == 0 {
		c.JWKSMinRefreshInterval = DefaultJWKSMinRefreshInterval
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}
