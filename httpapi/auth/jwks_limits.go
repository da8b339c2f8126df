package auth

import (
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"

	"github.com/golang-jwt/jwt/v5"
)

// MaxJWKSBytes bounds a JWK Set answer: a longer one is not read (a set of a few keys is a few
// kilobytes), so a broken or hostile endpoint cannot make ledgerd hold an endless body in memory.
const MaxJWKSBytes = 1 << 20

// MinRSAKeyBits is the shortest RSA key that verifies an RS256 token (RFC 7518 §3.3: "A key of
// size 2048 bits or larger MUST be used").
const MinRSAKeyBits = 2048

// errShortRSAKey is the key of a token that is an RSA key shorter than MinRSAKeyBits.
var errShortRSAKey = fmt.Errorf("RSA key shorter than %d bits", MinRSAKeyBits)

// errJWKSTooLarge is a JWK Set answer longer than MaxJWKSBytes.
var errJWKSTooLarge = fmt.Errorf("auth: the JWK Set answer is larger than %d bytes", MaxJWKSBytes)

// boundedClient returns a copy of c whose answers fail once more than MaxJWKSBytes of a body
// are read, and that never follows a redirect from https to plain http (noDowngrade).
func boundedClient(c *http.Client) *http.Client {
	b := *c
	next := b.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	b.Transport = boundedTransport{next}
	check := b.CheckRedirect
	b.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if err := noDowngrade(req, via); err != nil {
			return err
		}
		if check != nil {
			return check(req, via)
		}
		if len(via) >= 10 { // net/http's default policy
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
	return &b
}

// noDowngrade refuses a redirect from https to plain http: keys fetched over http could be anyone's
// on the path, and tokens signed with them would verify.
func noDowngrade(req *http.Request, via []*http.Request) error {
	if req.URL.Scheme != "https" && slices.ContainsFunc(via, func(r *http.Request) bool { return r.URL.Scheme == "https" }) {
		return fmt.Errorf("auth: the JWK Set redirects from https to %s: not followed", req.URL.Scheme)
	}
	return nil
}

type boundedTransport struct{ next http.RoundTripper }

func (t boundedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(r)
	if err == nil {
		resp.Body = &boundedBody{ReadCloser: resp.Body, left: MaxJWKSBytes}
	}
	return resp, err
}

// boundedBody reads at most left bytes and then fails with errJWKSTooLarge, unless the body
// ends there.
type boundedBody struct {
	io.ReadCloser
	left int64
}

func (b *boundedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		var one [1]byte
		n, err := b.ReadCloser.Read(one[:])
		if n > 0 {
			return 0, errJWKSTooLarge
		}
		return 0, err
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.ReadCloser.Read(p)
	b.left -= int64(n)
	return n, err
}

// checkKeyStrength refuses an RSA key shorter than MinRSAKeyBits.
func checkKeyStrength(key any) error {
	if k, ok := key.(*rsa.PublicKey); ok && k.N.BitLen() < MinRSAKeyBits {
		return errShortRSAKey
	}
	return nil
}

// strongKeys is key without the RSA keys shorter than MinRSAKeyBits: for a token without "kid",
// key is the set of keys it is tried against, and such a key leaves the set (errShortRSAKey when
// no other is left).
func strongKeys(key any) (any, error) {
	set, ok := key.(jwt.VerificationKeySet)
	if !ok {
		return key, checkKeyStrength(key)
	}
	var strong jwt.VerificationKeySet
	for _, k := range set.Keys {
		if checkKeyStrength(k) == nil {
			strong.Keys = append(strong.Keys, k)
		}
	}
	if len(strong.Keys) == 0 && len(set.Keys) > 0 {
		return nil, errShortRSAKey
	}
	return strong, nil
}
