package auth_test

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/nordledger/ledger/httpapi/auth"
)

// TestJWKSShortRSAKey: RS256 needs a key of at least 2048 bits (RFC 7518 §3.3: "A key of size
// 2048 bits or larger MUST be used"). A shorter RSA key in the JWK Set verifies no token — its
// tokens are 401, with "kid" or without (a keyless token verified by it before strongKeys) —
// while the set's other keys still do.
func TestJWKSShortRSAKey(t *testing.T) {
	rsaKeys, _ := testKeys(t)
	short, err := rsa.GenerateKey(rand.Reader, 1024) // the shortest Go generates without GODEBUG
	if err != nil {
		t.Fatal(err)
	}
	srv := newJWKSServer(t, rsaJWK("long", &rsaKeys[0].PublicKey), rsaJWK("short", &short.PublicKey))
	v := newVerifier(t, auth.Config{JWKSURL: srv.URL})
	if _, err := v.Verify(sign(t, jwt.SigningMethodRS256, rsaKeys[0], "long", claims())); err != nil {
		t.Fatalf("a 2048-bit key's token: %v", err)
	}
	_, err = v.Verify(sign(t, jwt.SigningMethodRS256, short, "short", claims()))
	if !errors.Is(err, auth.ErrInvalidToken) || !strings.Contains(err.Error(), "2048") {
		t.Errorf("a 1024-bit key's token: %v; want ErrInvalidToken naming the 2048-bit minimum", err)
	}

	// Tokens without "kid" are tried against the set's keys: not against the short one either.
	if _, err := v.Verify(sign(t, jwt.SigningMethodRS256, rsaKeys[0], "", claims())); err != nil {
		t.Fatalf("a 2048-bit key's token without kid: %v", err)
	}
	if _, err = v.Verify(sign(t, jwt.SigningMethodRS256, short, "", claims())); !errors.Is(err, auth.ErrInvalidToken) {
		t.Errorf("a 1024-bit key's token without kid: %v; want ErrInvalidToken", err)
	}
}

// TestJWKSAnswerIsBounded: a JWK Set endpoint answering without end (or with a body of many
// megabytes) is not read into memory: the answer is cut at auth.MaxJWKSBytes and the fetch
// fails, so ledgerd does not start with it, and a refresh keeps the keys fetched before.
func TestJWKSAnswerIsBounded(t *testing.T) {
	rsaKeys, _ := testKeys(t)
	key, _ := json.Marshal(rsaJWK("k1", &rsaKeys[0].PublicKey))
	chunk := []byte(strings.Repeat(" ", 64<<10))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/jwk-set+json")
		w.Write([]byte(`{"keys":[` + string(key) + `],"padding":"`))
		for range 2 * auth.MaxJWKSBytes / len(chunk) { // twice the bound: a valid JWK Set, if read to its end
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
		w.Write([]byte(`"}`))
	}))
	t.Cleanup(srv.Close)
	v, err := auth.NewVerifier(t.Context(), auth.Config{JWKSURL: srv.URL, Now: fixedNow})
	if err == nil {
		v.Close()
		t.Fatal("a JWK Set twice auth.MaxJWKSBytes was read")
	}
	if !strings.Contains(err.Error(), "larger than") {
		t.Errorf("NewVerifier: %v; want the answer named too large", err)
	}
}

// TestJWKSRefreshWithoutKeysKeepsKeys: a refresh whose answer holds no usable key — a JSON
// document of another shape ({"error": ...} from a proxy), an empty set, a set of keys this
// verifier cannot use — is a failed refresh, as at start ("holds no usable key"): the keys fetched
// before stay, rather than every token being refused until the next good fetch.
func TestJWKSRefreshWithoutKeysKeepsKeys(t *testing.T) {
	rsaKeys, _ := testKeys(t)
	good, _ := json.Marshal(map[string]any{"keys": []jwk{rsaJWK("k1", &rsaKeys[0].PublicKey)}})
	for name, broken := range map[string]string{
		"another shape":    `{"error": "down for maintenance"}`,
		"empty set":        `{"keys": []}`,
		"null keys":        `{"keys": null}`,
		"unsupported keys": `{"keys": [{"kty": "OKP", "crv": "X448", "kid": "x", "x": "` + b64(make([]byte, 56)) + `"}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			var mu sync.Mutex
			body := string(good)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				defer mu.Unlock()
				w.Header().Set("Content-Type", "application/json")
				io.WriteString(w, body)
			}))
			t.Cleanup(srv.Close)
			v := newVerifier(t, auth.Config{JWKSURL: srv.URL})
			tok := sign(t, jwt.SigningMethodRS256, rsaKeys[0], "k1", claims())
			if _, err := v.Verify(tok); err != nil {
				t.Fatalf("before: %v", err)
			}
			mu.Lock()
			body = broken
			mu.Unlock()
			// A token naming a key id the set lacks makes the verifier refetch the set now.
			if _, err := v.Verify(sign(t, jwt.SigningMethodRS256, rsaKeys[1], "k2", claims())); err == nil {
				t.Fatal("a token of an unknown key verified")
			}
			if _, err := v.Verify(sign(t, jwt.SigningMethodRS256, rsaKeys[0], "k1", claims(set("jti", "another")))); err != nil {
				t.Errorf("after a refresh answered %s: %v; want the keys fetched before kept", broken, err)
			}
		})
	}
}

// TestJWKSRedirectNeverDowngrades: a JWK Set at an https URL that redirects to plain http is not
// fetched from there — over http anyone on the path could hand ledgerd keys of their own and
// sign tokens with them. A redirect within https is followed.
func TestJWKSRedirectNeverDowngrades(t *testing.T) {
	rsaKeys, _ := testKeys(t)
	plain := newJWKSServer(t, rsaJWK("k1", &rsaKeys[0].PublicKey))
	secure := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/keys" {
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(map[string]any{"keys": []jwk{rsaJWK("k1", &rsaKeys[0].PublicKey)}})
			return
		}
		target := plain.URL
		if r.URL.Path == "/moved" {
			target = "/keys"
		}
		http.Redirect(w, r, target, http.StatusFound)
	}))
	t.Cleanup(secure.Close)
	if v, err := auth.NewVerifier(t.Context(), auth.Config{JWKSURL: secure.URL + "/jwks", HTTPClient: secure.Client(), Now: fixedNow}); err == nil {
		v.Close()
		t.Errorf("the JWK Set was fetched over plain http after a redirect from https")
	}
	if n := plain.fetches.Load(); n != 0 {
		t.Errorf("the plain http URL was asked %d times", n)
	}
	v := newVerifier(t, auth.Config{JWKSURL: secure.URL + "/moved", HTTPClient: secure.Client()})
	if _, err := v.Verify(sign(t, jwt.SigningMethodRS256, rsaKeys[0], "k1", claims())); err != nil {
		t.Errorf("a redirect within https: %v", err)
	}
}
