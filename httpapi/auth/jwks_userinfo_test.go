package auth_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/nordledger/ledger/httpapi/auth"
)

// TestJWKSURLWithUserInfo: a JWKS URL with user info (https://user:password@host/...) sends it
// as basic authentication — an identity provider's JWK Set behind a proxy that asks for it — and
// errors (logged at start and on refreshes) show the password as xxxxx.
func TestJWKSURLWithUserInfo(t *testing.T) {
	var authorized bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pass, ok := r.BasicAuth()
		authorized = ok && user == "ledger" && pass == "s3cret-pw"
		w.Header().Set("Content-Type", "application/jwk-set+json")
		w.Write([]byte(`{"keys": []}`)) // no usable key: NewVerifier fails, naming the URL
	}))
	t.Cleanup(srv.Close)
	withUser := strings.Replace(srv.URL, "http://", "http://ledger:s3cret-pw@", 1)
	v, err := auth.NewVerifier(t.Context(), auth.Config{JWKSURL: withUser, Now: fixedNow})
	if err == nil {
		v.Close()
		t.Fatal("a JWK Set without a usable key was taken")
	}
	if !authorized {
		t.Error("the JWKS request did not carry the URL's user info as basic authentication")
	}
	if strings.Contains(err.Error(), "s3cret-pw") || !strings.Contains(err.Error(), "ledger:xxxxx@") {
		t.Errorf("NewVerifier: %v; want the URL named with its password as xxxxx", err)
	}
}
