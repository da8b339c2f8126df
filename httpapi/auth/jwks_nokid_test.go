package auth_test

import (
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
