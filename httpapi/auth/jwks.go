package auth

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sync"

	"github.com/MicahParks/jwkset"
	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/time/rate"
)

// jwksKeys finds the key of an RS256/ES256 token in the JWK Set by "kid".
type jwksKeys struct {
	// cached looks in the keys at hand.
	cached keyfunc.Keyfunc
	// refreshing looks in the same keys and, for a "kid" they lack, refetches
	// the set first (rate-limited).
	refreshing keyfunc.Keyfunc
	// mu guards refetch: one unknown-kid lookup runs at a time, so that lookups
	// arriving during a refresh wait for it instead of failing on the rate limit.
	mu      sync.Mutex
	refetch *refetch // the unknown-kid lookup under way; nil when none
}

// refetch is an unknown-kid lookup (a refetch of the set, rate-limited) run for
// every token that waits for it. It runs on its own, under the verifier's
// context and the HTTP timeout: a request that goes away stops waiting for it
// (jwksKeys.key), but does not end it for the others.
type refetch struct {
	done chan struct{} // closed when key and err are set
	key  any
	err  error
}

// newJWKS fetches the JWK Set at cfg.JWKSURL. The set is refreshed every
// cfg.JWKSRefreshInterval until ctx ends, and on a "kid" it lacks at most once
// per cfg.JWKSMinRefreshInterval; a refresh that brings no usable key fails
// and keeps the keys before (jwks_storage.go). Keys marked for encryption
// ("use": "enc"), and RSA keys shorter than MinRSAKeyBits, never verify a
// token; an answer longer than MaxJWKSBytes is not read (jwks_limits.go).
func newJWKS(ctx context.Context, cfg Config) (*jwksKeys, error) {
	timeout := cfg.HTTPClient.Timeout
	if timeout <= 0 {
		timeout = DefaultHTTPTimeout
	}
	remote, err := jwkset.NewStorageFromHTTP(cfg.JWKSURL, jwkset.HTTPClientStorageOptions{
		Client:          boundedClient(cfg.HTTPClient),             // jwks_limits.go
		Storage:         keepingStorage{jwkset.NewMemoryStorage()}, // jwks_storage.go
		Ctx:             ctx,
		HTTPTimeout:     timeout,
		RefreshInterval: cfg.JWKSRefreshInterval,
		RefreshErrorHandler: func(ctx context.Context, err error) {
			if errors.Is(err, errNoUsableKey) {
				err = errNoUsableKey // jwkset words it as a failure to replace the keys
			}
			cfg.Logger.WarnContext(ctx, "auth: refreshing the JWK Set failed; keeping the keys fetched before",
				"url", redactedURL(cfg.JWKSURL), "error", err)
		},
	})
	if errors.Is(err, errNoUsableKey) {
		return nil, errors.New("auth: the JWK Set at " + redactedURL(cfg.JWKSURL) + " holds no usable key")
	}
	if err != nil {
		return nil, fmt.Errorf("auth: fetching the JWK Set: %w", err)
	}
	keys, err := remote.KeyReadAll(ctx)
	if err != nil {
		return nil, fmt.Errorf("auth: reading the JWK Set: %w", err)
	}
	if len(keys) == 0 {
		return nil, errors.New("auth: the JWK Set at " + redactedURL(cfg.JWKSURL) + " holds no usable key")
	}
	refreshing, err := jwkset.NewHTTPClient(jwkset.HTTPClientOptions{
		HTTPURLs:          map[string]jwkset.Storage{cfg.JWKSURL: remote},
		RateLimitWaitMax:  timeout,
		RefreshUnknownKID: rate.NewLimiter(rate.Every(cfg.JWKSMinRefreshInterval), 1),
	})
	if err != nil {
		return nil, fmt.Errorf("auth: JWK Set client: %w", err)
	}
	cached, err1 := newKeyfunc(ctx, remote)
	refreshingKF, err2 := newKeyfunc(ctx, refreshing)
	if err := errors.Join(err1, err2); err != nil {
		return nil, fmt.Errorf("auth: JWK Set keyfunc: %w", err)
	}
	return &jwksKeys{cached: cached, refreshing: refreshingKF}, nil
}

// newKeyfunc returns a keyfunc looking in storage for signing keys.
func newKeyfunc(ctx context.Context, storage jwkset.Storage) (keyfunc.Keyfunc, error) {
	return keyfunc.New(keyfunc.Options{
		Ctx:          ctx,
		Storage:      storage,
		UseWhitelist: []jwkset.USE{jwkset.UseSig, ""},
	})
}

// key is a jwt.Keyfunc for a request with ctx. An RSA key shorter than MinRSAKeyBits verifies
// nothing. A "kid" the keys at hand lack waits for a refetch (its own, or one under way for
// another token, after which it looks again) until ctx ends.
func (j *jwksKeys) key(ctx context.Context, t *jwt.Token) (any, error) {
	key, err := j.cached.Keyfunc(t)
	for err != nil && errors.Is(err, jwkset.ErrKeyNotFound) {
		f, own := j.join(t)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-f.done:
		}
		if own {
			key, err = f.key, f.err
			break
		}
		key, err = j.cached.Keyfunc(t) // another token's refetch may have brought this kid
	}
	if err != nil {
		return key, err
	}
	return strongKeys(key) // jwks_limits.go
}

// join returns the refetch under way, or starts one for t (own).
func (j *jwksKeys) join(t *jwt.Token) (f *refetch, own bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.refetch != nil {
		return j.refetch, false
	}
	f = &refetch{done: make(chan struct{})}
	j.refetch = f
	go func() {
		f.key, f.err = j.refreshing.Keyfunc(t) // under the verifier's context (newKeyfunc)
		j.mu.Lock()
		j.refetch = nil
		j.mu.Unlock()
		close(f.done)
	}()
	return f, true
}

// redactedURL is raw for logs and errors: the password of its user info (basic authentication
// with the identity provider) as xxxxx.
func redactedURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	return u.Redacted()
}
