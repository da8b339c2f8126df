package auth

import (
	"errors"
	"fmt"
)

// ErrInvalidToken is matched, with errors.Is, by every error that Verify and
// BearerToken return: the caller is not authenticated (HTTP 401). The error's
// message says why (expired, bad signature, algorithm not allowed, missing
// claim ...) but never contains the token.
var ErrInvalidToken = errors.New("invalid token")

// ErrMissingToken is returned by BearerToken when the request carries no
// Authorization header at all. It wraps ErrInvalidToken, so callers that do
// not care can treat it like any other invalid token, while a server can tell
// "no credentials" from "bad credentials" (RFC 6750 §3.1 leaves out the error
// code in the first case).
var ErrMissingToken = fmt.Errorf("%w: no bearer token", ErrInvalidToken)

// ErrOtherScheme is returned by BearerToken when the Authorization header uses another scheme
// (Basic, ...). Like ErrMissingToken it wraps ErrInvalidToken, and is a request without bearer
// credentials: RFC 6750 §3.1 leaves out the error code for it too.
var ErrOtherScheme = fmt.Errorf("%w: authorization scheme is not Bearer", ErrInvalidToken)

// invalid returns an error matching ErrInvalidToken that gives reason.
func invalid(reason string) error {
	return fmt.Errorf("%w: %s", ErrInvalidToken, reason)
}
