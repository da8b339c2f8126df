package auth

import (
	"net/http"
	"strings"
)

// BearerToken returns the token of the request's "Authorization: Bearer
// <token>" header (RFC 6750 §2.1; the scheme is case-insensitive; the space
// may be missing, as in some of the PayEx document's examples). A request
// without the header gets ErrMissingToken, one with another scheme
// ErrOtherScheme; several Authorization headers, or a token that is not a
// b64token get an error matching ErrInvalidToken. The token is not verified.
func BearerToken(r *http.Request) (string, error) {
	values := r.Header.Values("Authorization")
	switch {
	case len(values) == 0:
		return "", ErrMissingToken
	case len(values) > 1:
		return "", invalid("more than one Authorization header")
	}
	v := strings.TrimSpace(values[0])
	scheme, token, ok := strings.Cut(v, " ")
	if !ok && len(v) > len("Bearer") && strings.EqualFold(v[:len("Bearer")], "Bearer") {
		// The PayEx document's KYC examples write "Bearer<Token>", and SPEC has every example
		// work as printed once <Token> is filled in: the token may follow the scheme directly.
		scheme, token, ok = v[:len("Bearer")], v[len("Bearer"):], true
	}
	if !strings.EqualFold(scheme, "Bearer") {
		return "", ErrOtherScheme
	}
	token = strings.TrimLeft(token, " ")
	if !ok || token == "" {
		return "", invalid("empty bearer token")
	}
	if !isB64Token(token) {
		return "", invalid("malformed bearer token")
	}
	return token, nil
}

// isB64Token reports whether s is an RFC 6750 b64token:
// 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=".
func isB64Token(s string) bool {
	body := strings.TrimRight(s, "=")
	if body == "" {
		return false
	}
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		case c == '-', c == '.', c == '_', c == '~', c == '+', c == '/':
		default:
			return false
		}
	}
	return true
}
