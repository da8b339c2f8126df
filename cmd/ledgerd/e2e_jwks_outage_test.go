package main

// The identity provider's JWK Set misbehaving while ledgerd runs: a refresh whose answer is not
// a usable key set keeps the keys fetched before (tokens keep verifying), and the failure is in
// ledgerd's own log.

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/nordledger/ledger/httpapi/auth"
)

func TestE2EJWKSOutage(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	b64 := base64.RawURLEncoding.EncodeToString
	var mu sync.Mutex
	answer := fmt.Sprintf(`{"keys":[{"kty":"RSA","kid":"k1","use":"sig","alg":"RS256","n":%q,"e":%q}]}`,
		b64(key.N.Bytes()), b64(big.NewInt(int64(key.E)).Bytes()))
	keys := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, answer)
	}))
	defer keys.Close()
	s := startServer(t, withArgs("-jwks-url", keys.URL))
	token := func(kid string) string {
		tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{"sub": "jwks-test", "exp": time.Now().Add(time.Hour).Unix(),
			"ledgers": []string{"*"}, "scope": strings.Join(auth.AllScopes, " ")})
		tok.Header["kid"] = kid
		out, err := tok.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	self := customersPath(demoLedger, "4712")
	assertProblem(t, s.do(t, http.MethodGet, self, token("k1"), nil), http.StatusNotFound, "customer-not-found")

	// The identity provider (or a proxy before it) answers JSON of another shape; a token naming
	// a key id the set lacks makes ledgerd refetch it now.
	mu.Lock()
	answer = `{"error": "down for maintenance"}`
	mu.Unlock()
	assertProblem(t, s.do(t, http.MethodGet, self, token("k2"), nil), http.StatusUnauthorized, "unauthorized")
	// The keys fetched before still verify.
	assertProblem(t, s.do(t, http.MethodGet, self, token("k1"), nil), http.StatusNotFound, "customer-not-found")
	if !strings.Contains(s.logs.String(), "refreshing the JWK Set failed") {
		t.Error("the failed refresh is not in ledgerd's log")
	}
}
