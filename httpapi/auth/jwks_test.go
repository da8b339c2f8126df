package auth_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/nordledger/ledger/httpapi/auth"
)

// rsaPublicPEM returns the RSA public key as an attacker would find it
// published, to "sign" HS256 tokens with (algorithm confusion).
func rsaPublicPEM(t *testing.T) []byte {
	t.Helper()
	rsaKeys, _ := testKeys(t)
	der, err := x509.MarshalPKIXPublicKey(&rsaKeys[0].PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

func TestVerifyJWKS(t *testing.T) {
	rsaKeys, ecKeys := testKeys(t)
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	srv := newJWKSServer(t, rsaJWK("rsa-1", &rsaKeys[0].PublicKey), ecJWK("ec-1", &ecKeys[0].PublicKey))
	v := newVerifier(t, auth.Config{JWKSURL: srv.URL})

	tests := []struct {
		name  string
		token string
		want  string // error substring; empty for success
	}{
		{"RS256", sign(t, jwt.SigningMethodRS256, rsaKeys[0], "rsa-1", claims()), ""},
		{"ES256", sign(t, jwt.SigningMethodES256, ecKeys[0], "ec-1", claims()), ""},
		{"RS256 without kid", sign(t, jwt.SigningMethodRS256, rsaKeys[0], "", claims()), ""},
		{"RS256 expired", sign(t, jwt.SigningMethodRS256, rsaKeys[0], "rsa-1", claims(set("exp", testNow.Add(-time.Hour).Unix()))), "token expired"},
		{"RS256 by another key", sign(t, jwt.SigningMethodRS256, rsaKeys[1], "rsa-1", claims()), "bad signature"},
		{"ES256 by another key", sign(t, jwt.SigningMethodES256, ecKeys[1], "ec-1", claims()), "bad signature"},
		{"ES256 naming the RSA key", sign(t, jwt.SigningMethodES256, ecKeys[0], "rsa-1", claims()), "no signing key"},
		{"RS256 naming the EC key", sign(t, jwt.SigningMethodRS256, rsaKeys[0], "ec-1", claims()), "bad signature"},
		{"HS256 with the public key as secret", sign(t, jwt.SigningMethodHS256, rsaPublicPEM(t), "rsa-1", claims()), "algorithm not allowed"},
		{"HS256 with the public key as secret, no kid", sign(t, jwt.SigningMethodHS256, rsaPublicPEM(t), "", claims()), "algorithm not allowed"},
		{"PS256", sign(t, jwt.SigningMethodPS256, rsaKeys[0], "rsa-1", claims()), "algorithm not allowed"},
		{"RS512", sign(t, jwt.SigningMethodRS512, rsaKeys[0], "rsa-1", claims()), "algorithm not allowed"},
		{"EdDSA", sign(t, jwt.SigningMethodEdDSA, edKey, "rsa-1", claims()), "algorithm not allowed"},
		{"HS256 with a secret nobody configured", signHS(t, claims()), "algorithm not allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := v.Verify(tt.token)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				if got, want := p.Subject, "alice"; got != want {
					t.Errorf("Subject = %q, want %q", got, want)
				}
				return
			}
			if !errors.Is(err, auth.ErrInvalidToken) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Verify error = %v, want ErrInvalidToken containing %q", err, tt.want)
			}
		})
	}
}

// TestVerifyBothModes allows both algorithm families, each against its own
// key source only.
func TestVerifyBothModes(t *testing.T) {
	rsaKeys, ecKeys := testKeys(t)
	srv := newJWKSServer(t, rsaJWK("rsa-1", &rsaKeys[0].PublicKey), ecJWK("ec-1", &ecKeys[0].PublicKey))
	v := newVerifier(t, auth.Config{JWKSURL: srv.URL, HS256Secret: testSecret})

	tests := []struct {
		name  string
		token string
		want  string
	}{
		{"HS256", signHS(t, claims()), ""},
		{"RS256", sign(t, jwt.SigningMethodRS256, rsaKeys[0], "rsa-1", claims()), ""},
		{"ES256", sign(t, jwt.SigningMethodES256, ecKeys[0], "ec-1", claims()), ""},
		{"HS256 with the public key as secret", sign(t, jwt.SigningMethodHS256, rsaPublicPEM(t), "rsa-1", claims()), "bad signature"},
		{"alg none", sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, "", claims()), "algorithm not allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := v.Verify(tt.token)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Verify: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("Verify error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// TestJWKSKeyRotation: a token signed with a key published after the
// verifier started triggers one refresh and verifies; more unknown key ids
// within the minimum refresh interval fail fast without fetching again.
func TestJWKSKeyRotation(t *testing.T) {
	rsaKeys, _ := testKeys(t)
	srv := newJWKSServer(t, rsaJWK("k1", &rsaKeys[0].PublicKey))
	v := newVerifier(t, auth.Config{JWKSURL: srv.URL})
	old := sign(t, jwt.SigningMethodRS256, rsaKeys[0], "k1", claims())
	if _, err := v.Verify(old); err != nil {
		t.Fatalf("Verify(old key): %v", err)
	}
	if got, want := srv.fetches.Load(), int32(1); got != want {
		t.Fatalf("fetches after start = %d, want %d", got, want)
	}

	srv.setKeys(rsaJWK("k2", &rsaKeys[1].PublicKey)) // the identity provider rotates
	if _, err := v.Verify(sign(t, jwt.SigningMethodRS256, rsaKeys[1], "k2", claims())); err != nil {
		t.Fatalf("Verify(new key): %v", err)
	}
	if got, want := srv.fetches.Load(), int32(2); got != want {
		t.Errorf("fetches after rotation = %d, want %d", got, want)
	}

	start := time.Now()
	for _, tok := range []string{old, sign(t, jwt.SigningMethodRS256, rsaKeys[0], "k3", claims())} {
		if _, err := v.Verify(tok); err == nil || !strings.Contains(err.Error(), "no signing key") {
			t.Errorf("Verify(retired or unknown key) error = %v, want \"no signing key\"", err)
		}
	}
	// Failing fast: not waiting until the rate limit allows a refetch (the minimum refresh
	// interval, a minute) — a bound no stall of a loaded machine comes near.
	if got := time.Since(start); got > auth.DefaultJWKSMinRefreshInterval/2 {
		t.Errorf("rate-limited unknown kids took %v, want them to fail fast", got)
	}
	if got, want := srv.fetches.Load(), int32(2); got != want {
		t.Errorf("fetches after rate-limited unknown kids = %d, want %d", got, want)
	}
}

// TestJWKSBackgroundRefresh: the set is refetched periodically (so a new
// key verifies even when unknown-kid refreshes are used up) until Close.
func TestJWKSBackgroundRefresh(t *testing.T) {
	rsaKeys, _ := testKeys(t)
	srv := newJWKSServer(t, rsaJWK("k1", &rsaKeys[0].PublicKey))
	v := newVerifier(t, auth.Config{
		JWKSURL:                srv.URL,
		JWKSRefreshInterval:    20 * time.Millisecond,
		JWKSMinRefreshInterval: 24 * time.Hour,
	})
	// Use up the one unknown-kid refresh.
	if _, err := v.Verify(sign(t, jwt.SigningMethodRS256, rsaKeys[0], "unknown", claims())); err == nil {
		t.Fatal("Verify(unknown kid) succeeded")
	}
	srv.setKeys(rsaJWK("k2", &rsaKeys[1].PublicKey))
	tok := sign(t, jwt.SigningMethodRS256, rsaKeys[1], "k2", claims())
	// The refresh is one fetch after another: the next fetch counted after the new set's is
	// asked once the new set is stored.
	srv.awaitFetches(srv.fetches.Load() + 2)
	if _, err := v.Verify(tok); err != nil {
		t.Fatalf("the new key did not verify after a background refresh: %v", err)
	}

	v.Close()
	before := srv.fetches.Load()
	time.Sleep(10 * 20 * time.Millisecond) // ten refresh intervals: time to see refreshes that went on
	// One fetch may have been on its way as Close was called.
	if got := srv.fetches.Load(); got > before+1 {
		t.Errorf("fetches went from %d to %d after Close", before, got)
	}
	if _, err := v.Verify(tok); err != nil {
		t.Errorf("Verify after Close: %v", err)
	}
}

func TestNewVerifierJWKSFailure(t *testing.T) {
	rsaKeys, _ := testKeys(t)
	tests := []struct {
		name  string
		setup func(*jwksServer)
		want  string
	}{
		{"server error", func(s *jwksServer) { s.setStatus(http.StatusInternalServerError) }, "fetching the JWK Set"},
		{"no keys", func(s *jwksServer) { s.setKeys() }, "no usable key"},
		{"only unsupported keys", func(s *jwksServer) {
			s.setKeys(jwk{"kty": "OKP", "crv": "X448", "kid": "x", "x": b64(make([]byte, 56))})
		}, "no usable key"},
		{"server gone", func(s *jwksServer) { s.Close() }, "fetching the JWK Set"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newJWKSServer(t, rsaJWK("k1", &rsaKeys[0].PublicKey))
			tt.setup(srv)
			v, err := auth.NewVerifier(t.Context(), auth.Config{JWKSURL: srv.URL})
			if err == nil {
				v.Close()
				t.Fatal("NewVerifier succeeded")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("NewVerifier error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// TestJWKSRefreshEndsWithContext: the background refresh stops when the
// context given to NewVerifier ends.
func TestJWKSRefreshEndsWithContext(t *testing.T) {
	rsaKeys, _ := testKeys(t)
	srv := newJWKSServer(t, rsaJWK("k1", &rsaKeys[0].PublicKey))
	ctx, cancel := context.WithCancel(t.Context())
	v, err := auth.NewVerifier(ctx, auth.Config{JWKSURL: srv.URL, JWKSRefreshInterval: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	srv.awaitFetches(3) // periodic refreshes
	cancel()
	before := srv.fetches.Load()
	time.Sleep(10 * 10 * time.Millisecond) // ten refresh intervals: time to see refreshes that went on
	// One fetch may have been on its way as the context ended.
	if got := srv.fetches.Load(); got > before+1 {
		t.Errorf("fetches went from %d to %d after the context ended", before, got)
	}
}
