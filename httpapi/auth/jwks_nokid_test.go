package auth_test

import (
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/nordledger/ledger/httpapi/auth"
)

// TestJWKSKeylessTokenSkipsEncryptionKeys: a token without "kid" is tried against the JWK Set's
// keys, but only against those that may verify one. A key marked for encryption ("use": "enc")
// verifies no token, with or without "kid" (keyfunc before v3.9.2 tried every key of the set on a
// token without "kid", the "use" whitelist only applying to a token naming its key).
func TestJWKSKeylessTokenSkipsEncryptionKeys(t *testing.T) {
	rsaKeys, _ := testKeys(t)
	enc := rsaJWK("enc-1", &rsaKeys[1].PublicKey)
	enc["use"] = "enc"
	srv := newJWKSServer(t, rsaJWK("sig-1", &rsaKeys[0].PublicKey), enc)
	v := newVerifier(t, auth.Config{JWKSURL: srv.URL})

	if _, err := v.Verify(sign(t, jwt.SigningMethodRS256, rsaKeys[0], "", claims())); err != nil {
		t.Fatalf("the signing key's token without kid: %v", err)
	}
	for _, kid := range []string{"", "enc-1"} {
		_, err := v.Verify(sign(t, jwt.SigningMethodRS256, rsaKeys[1], kid, claims()))
		if !errors.Is(err, auth.ErrInvalidToken) {
			t.Errorf("a token of the encryption key (kid %q): %v; want ErrInvalidToken", kid, err)
		}
	}
}

// TestJWKSKeylessTokenSkipsShortRSAKeys: a token without "kid" is not verified by an RSA key
// shorter than auth.MinRSAKeyBits either (TestJWKSShortRSAKey has the token naming its key).
func TestJWKSKeylessTokenSkipsShortRSAKeys(t *testing.T) {
	rsaKeys, _ := testKeys(t)
	short, err := rsa.GenerateKey(rand.Reader, 1024) // the shortest Go generates without GODEBUG
	if err != nil {
		t.Fatal(err)
	}
	srv := newJWKSServer(t, rsaJWK("long", &rsaKeys[0].PublicKey), rsaJWK("short", &short.PublicKey))
	v := newVerifier(t, auth.Config{JWKSURL: srv.URL})

	if _, err := v.Verify(sign(t, jwt.SigningMethodRS256, rsaKeys[0], "", claims())); err != nil {
		t.Fatalf("a 2048-bit key's token without kid: %v", err)
	}
	_, err = v.Verify(sign(t, jwt.SigningMethodRS256, short, "", claims()))
	if !errors.Is(err, auth.ErrInvalidToken) {
		t.Errorf("a 1024-bit key's token without kid: %v; want ErrInvalidToken", err)
	}
}
