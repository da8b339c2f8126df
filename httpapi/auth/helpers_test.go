package auth_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/nordledger/ledger/httpapi/auth"
)

// testSecret is a 32-byte development secret.
var testSecret = []byte("0123456789abcdef0123456789abcdef")

// testNow is the clock of every verifier in these tests.
var testNow = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

func fixedNow() time.Time { return testNow }

// claims returns a valid claim set at testNow, changed by edits.
func claims(edits ...func(jwt.MapClaims)) jwt.MapClaims {
	c := jwt.MapClaims{
		"sub":     "alice",
		"iat":     testNow.Unix(),
		"exp":     testNow.Add(time.Hour).Unix(),
		"ledgers": []string{"1000", "2000"},
		"scope":   "customer:read customer:write",
	}
	for _, edit := range edits {
		edit(c)
	}
	return c
}

func set(name string, value any) func(jwt.MapClaims) {
	return func(c jwt.MapClaims) { c[name] = value }
}

func drop(name string) func(jwt.MapClaims) {
	return func(c jwt.MapClaims) { delete(c, name) }
}

// sign signs c with method and key, putting kid in the header when non-empty.
func sign(t *testing.T, method jwt.SigningMethod, key any, kid string, c jwt.Claims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, c)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatalf("signing: %v", err)
	}
	return s
}

func signHS(t *testing.T, c jwt.Claims) string {
	t.Helper()
	return sign(t, jwt.SigningMethodHS256, testSecret, "", c)
}

// newVerifier returns a verifier for cfg (with the test clock) that is closed
// when the test ends.
func newVerifier(t *testing.T, cfg auth.Config) *auth.Verifier {
	t.Helper()
	if cfg.Now == nil {
		cfg.Now = fixedNow
	}
	v, err := auth.NewVerifier(context.Background(), cfg)
	if err != nil {
		t.Fatalf("NewVerifier: %v", err)
	}
	t.Cleanup(v.Close)
	return v
}

var (
	keysOnce sync.Once
	rsaKeys  [2]*rsa.PrivateKey
	ecKeys   [2]*ecdsa.PrivateKey
)

// testKeys returns two RSA and two P-256 keys, generated once per test binary.
func testKeys(t *testing.T) ([2]*rsa.PrivateKey, [2]*ecdsa.PrivateKey) {
	t.Helper()
	keysOnce.Do(func() {
		for i := range rsaKeys {
			k, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				panic(err)
			}
			rsaKeys[i] = k
			e, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			if err != nil {
				panic(err)
			}
			ecKeys[i] = e
		}
	})
	return rsaKeys, ecKeys
}

// jwk is one entry of a JWK Set, written out by hand so that the tests do
// not depend on the code under test to publish keys.
type jwk map[string]string

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func rsaJWK(kid string, k *rsa.PublicKey) jwk {
	return jwk{"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256",
		"n": b64(k.N.Bytes()), "e": b64(big.NewInt(int64(k.E)).Bytes())}
}

func ecJWK(kid string, k *ecdsa.PublicKey) jwk {
	point, err := k.Bytes() // 0x04 || X || Y
	if err != nil {
		panic(err)
	}
	return jwk{"kty": "EC", "kid": kid, "crv": "P-256",
		"x": b64(point[1:33]), "y": b64(point[33:])}
}

// jwksServer serves a JWK Set that tests can replace, and counts fetches.
type jwksServer struct {
	*httptest.Server
	mu      sync.Mutex
	keys    []jwk
	status  int
	fetches atomic.Int32
	fetched chan struct{} // closed (and replaced) as a fetch is counted
}

func newJWKSServer(t *testing.T, keys ...jwk) *jwksServer {
	t.Helper()
	s := &jwksServer{keys: keys, status: http.StatusOK, fetched: make(chan struct{})}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fetches.Add(1)
		s.mu.Lock()
		defer s.mu.Unlock()
		close(s.fetched)
		s.fetched = make(chan struct{})
		if s.status != http.StatusOK {
			w.WriteHeader(s.status)
			return
		}
		w.Header().Set("Content-Type", "application/jwk-set+json")
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": s.keys})
	}))
	t.Cleanup(s.Close)
	return s
}

// awaitFetches returns once the set has been fetched n times in all.
func (s *jwksServer) awaitFetches(n int32) {
	for {
		s.mu.Lock()
		fetched := s.fetched
		s.mu.Unlock()
		if s.fetches.Load() >= n {
			return
		}
		<-fetched
	}
}

func (s *jwksServer) setKeys(keys ...jwk) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = keys
}

func (s *jwksServer) setStatus(status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status = status
}
