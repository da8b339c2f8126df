package main

// Token attacks end to end (the verifier's own tests in httpapi/auth go through each case in
// detail): ledgerd configured with an HS256 secret, a JWKS URL, a required issuer and audience.

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/nordledger/ledger/httpapi/auth"
)

// TestE2ETokenAttacks: every forged, expired, premature, misaddressed, tampered, oversized or
// misspelt (a claim the service reads named in another case) token is answered 401
// unauthorized (a token beyond the header limit: 431 from the HTTP server, which never reads the
// request), and changes nothing.
func TestE2ETokenAttacks(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	b64 := base64.RawURLEncoding.EncodeToString
	jwks := fmt.Sprintf(`{"keys":[{"kty":"RSA","kid":"k1","use":"sig","alg":"RS256","n":%q,"e":%q}]}`,
		b64(key.N.Bytes()), b64(big.NewInt(int64(key.E)).Bytes()))
	keys := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, jwks)
	}))
	defer keys.Close()
	const secret, iss, aud = "token-attack-secret-0123456789abcdef", "https://issuer.example", "ledger-api"
	s := startServer(t, withArgs("-jwt-secret", secret, "-jwks-url", keys.URL, "-jwt-issuer", iss, "-jwt-audience", aud))

	now := time.Now()
	claims := func(edit func(jwt.MapClaims)) jwt.MapClaims {
		c := jwt.MapClaims{"sub": "attacker", "iss": iss, "aud": aud, "exp": now.Add(time.Hour).Unix(), "iat": now.Unix(),
			"ledgers": []string{"*"}, "scope": strings.Join(auth.AllScopes, " ")}
		if edit != nil {
			edit(c)
		}
		return c
	}
	sign := func(m jwt.SigningMethod, k any, kid string, c jwt.MapClaims) string {
		tok := jwt.NewWithClaims(m, c)
		if kid != "" {
			tok.Header["kid"] = kid
		}
		out, err := tok.SignedString(k)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	hs := func(edit func(jwt.MapClaims)) string {
		return sign(jwt.SigningMethodHS256, []byte(secret), "", claims(edit))
	}
	rs := func(edit func(jwt.MapClaims)) string { return sign(jwt.SigningMethodRS256, key, "k1", claims(edit)) }
	// Headers that name a key the token brings itself (RFC 7515 §4.1.2–4.1.3): never followed.
	selfKeyed := func(header string, value any) string {
		tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims(nil))
		tok.Header["kid"], tok.Header[header] = "attacker", value
		out, err := tok.SignedString(other)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	attackerKeys := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("the service fetched the token's own key set: %s %s", r.Method, r.URL)
		fmt.Fprintf(w, `{"keys":[{"kty":"RSA","kid":"attacker","use":"sig","alg":"RS256","n":%q,"e":%q}]}`,
			b64(other.N.Bytes()), b64(big.NewInt(int64(other.E)).Bytes()))
	}))
	defer attackerKeys.Close()
	der, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	publicPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	good := rs(nil)
	parts := strings.Split(good, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	tampered := parts[0] + "." + b64([]byte(strings.Replace(string(payload), `"attacker"`, `"admin"`, 1))) + "." + parts[2]

	self := customersPath(demoLedger, "4711")
	for name, tok := range map[string]string{"HS256": hs(nil), "RS256": good} {
		if r := s.do(t, http.MethodGet, self, tok, nil); r.Status != http.StatusNotFound {
			t.Fatalf("a valid %s token: %s (want 404: no such customer yet)", name, r)
		}
	}
	attacks := map[string]string{
		"alg none":                      b64([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + parts[1] + ".",
		"alg none, signature kept":      b64([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + parts[1] + "." + parts[2],
		"HS256 keyed with the RSA key":  sign(jwt.SigningMethodHS256, publicPEM, "k1", claims(nil)),
		"RS256 by an unknown key":       sign(jwt.SigningMethodRS256, other, "k1", claims(nil)),
		"RS256 naming no known kid":     sign(jwt.SigningMethodRS256, other, "k2", claims(nil)),
		"HS256 by another secret":       sign(jwt.SigningMethodHS256, []byte("another-secret-0123456789abcdefghij"), "", claims(nil)),
		"HS512 by the secret":           sign(jwt.SigningMethodHS512, []byte(secret), "", claims(nil)),
		"expired":                       rs(func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Minute).Unix() }),
		"expired HS256":                 hs(func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Hour).Unix() }),
		"not yet valid":                 rs(func(c jwt.MapClaims) { c["nbf"] = now.Add(time.Hour).Unix() }),
		"issued in the future":          hs(func(c jwt.MapClaims) { c["iat"] = now.Add(time.Hour).Unix() }),
		"no exp":                        rs(func(c jwt.MapClaims) { delete(c, "exp") }),
		"exp a JSON string":             rs(func(c jwt.MapClaims) { c["exp"] = fmt.Sprint(now.Add(time.Hour).Unix()) }),
		"exp a JSON string HS256":       hs(func(c jwt.MapClaims) { c["exp"] = fmt.Sprint(now.Add(time.Hour).Unix()) }),
		"nbf a JSON string":             rs(func(c jwt.MapClaims) { c["nbf"] = fmt.Sprint(now.Unix()) }),
		"wrong issuer":                  rs(func(c jwt.MapClaims) { c["iss"] = "https://evil.example" }),
		"no issuer":                     hs(func(c jwt.MapClaims) { delete(c, "iss") }),
		"wrong audience":                rs(func(c jwt.MapClaims) { c["aud"] = "another-api" }),
		"no audience":                   hs(func(c jwt.MapClaims) { delete(c, "aud") }),
		"tampered payload":              tampered,
		"signature stripped":            parts[0] + "." + parts[1] + ".",
		"huge (under the header limit)": hs(func(c jwt.MapClaims) { c["pad"] = strings.Repeat("x", 40<<10) }),
		"not a JWT":                     strings.Repeat("A", 200),
		"key set named by jku":          selfKeyed("jku", attackerKeys.URL),
		"key embedded as jwk": selfKeyed("jwk", map[string]string{"kty": "RSA", "kid": "attacker", "n": b64(other.N.Bytes()),
			"e": b64(big.NewInt(int64(other.E)).Bytes())}),
		// RFC 7519 §4: claim names are case-sensitive (encoding/json's are not).
		"scope spelt SCOPE":     rs(func(c jwt.MapClaims) { c["SCOPE"] = c["scope"]; delete(c, "scope") }),
		"ledgers spelt Ledgers": hs(func(c jwt.MapClaims) { c["Ledgers"] = c["ledgers"]; delete(c, "ledgers") }),
		"exp spelt EXP":         hs(func(c jwt.MapClaims) { c["EXP"] = c["exp"]; delete(c, "exp") }),
	}
	for name, tok := range attacks {
		for _, rq := range []struct{ method, path, body string }{
			{http.MethodGet, self, ""},
			{http.MethodPost, customersPath(demoLedger), `{"customerNo":"4711","name":"Mallory","legalAddress":{"addressee":"M","city":"X","zipCode":"11122","countryCode":"SE"}}`},
		} {
			var body any
			if rq.body != "" {
				body = rq.body
			}
			r := s.do(t, rq.method, rq.path, tok, body)
			if r.Status != http.StatusUnauthorized {
				t.Errorf("%s: %s, want 401", name, r)
				continue
			}
			assertProblem(t, r, http.StatusUnauthorized, "unauthorized")
			if strings.Contains(string(r.Body), tok[:min(len(tok), 40)]) {
				t.Errorf("%s: the problem echoes the token", name)
			}
		}
	}
	// Beyond the server's header limit (64 KiB) the request is refused unread, and the connection
	// closed: the answer is read while the headers are written (writeReadingAnswer). It is
	// net/http's own answer: not the API's, not in its OpenAPI document.
	req, _ := http.NewRequest(http.MethodGet, s.base+self, nil)
	req.Header.Set("Authorization", "Bearer "+hs(func(c jwt.MapClaims) { c["pad"] = strings.Repeat("x", 80<<10) }))
	var raw bytes.Buffer
	if err := req.Write(&raw); err != nil {
		t.Fatal(err)
	}
	resp, _, err := writeReadingAnswer(s.m.Addr(), raw.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("a token beyond the header limit: %d, want 431", resp.StatusCode)
	}
	// Nothing was created.
	if r := s.do(t, http.MethodGet, self, good, nil); r.Status != http.StatusNotFound {
		t.Errorf("after the attacks: %s", r)
	}
}

// TestE2EJWTLeeway: -jwt-leeway sets the clock skew allowed on exp (default 30s). The margins are
// minutes either side of the limits, so a slow machine cannot change the outcome.
func TestE2EJWTLeeway(t *testing.T) {
	const secret = "jwt-leeway-secret-0123456789abcdefghij"
	s := startServer(t, withArgs("-jwt-secret", secret, "-jwt-leeway", "5m"))
	token := func(exp time.Time) string {
		tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": "skewed", "exp": exp.Unix(),
			"ledgers": []string{"*"}, "scope": "customer:read customer:write"}).SignedString([]byte(secret))
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	s.createCustomer(t, token(time.Now().Add(time.Hour)), newCustomer("4711", "Skewed Clock"))
	self := customersPath(demoLedger, "4711")
	if r := s.do(t, http.MethodGet, self, token(time.Now().Add(-2*time.Minute)), nil); r.Status != http.StatusOK {
		t.Errorf("a token expired 2 minutes ago, 5m leeway: %s, want 200", r)
	}
	r := s.do(t, http.MethodGet, self, token(time.Now().Add(-10*time.Minute)), nil)
	assertProblem(t, r, http.StatusUnauthorized, "unauthorized")
}
