package auth_test

import (
	"sync"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/nordledger/ledger/httpapi/auth"
)

// TestVerifyConcurrent runs Verify from many goroutines while the JWK Set
// rotates, for the race detector.
func TestVerifyConcurrent(t *testing.T) {
	rsaKeys, ecKeys := testKeys(t)
	srv := newJWKSServer(t, rsaJWK("rsa-1", &rsaKeys[0].PublicKey))
	v := newVerifier(t, auth.Config{JWKSURL: srv.URL, HS256Secret: testSecret})
	srv.setKeys(rsaJWK("rsa-1", &rsaKeys[0].PublicKey), ecJWK("ec-1", &ecKeys[0].PublicKey))
	tokens := []string{
		signHS(t, claims()),
		sign(t, jwt.SigningMethodRS256, rsaKeys[0], "rsa-1", claims()),
		sign(t, jwt.SigningMethodES256, ecKeys[0], "ec-1", claims()), // known after one refresh
	}
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			for j := range 50 {
				tok := tokens[(i+j)%len(tokens)]
				if _, err := v.Verify(tok); err != nil {
					t.Errorf("Verify: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
}
