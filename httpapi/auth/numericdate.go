package auth

import (
	"errors"

	"github.com/golang-jwt/jwt/v5"
)

// errNumericDate is the decoding error of a NumericDate claim that is not a JSON number.
var errNumericDate = errors.New("claims exp, nbf and iat must be JSON numbers (RFC 7519 NumericDate)")

// numericDate is a NumericDate claim ("exp", "nbf", "iat"): RFC 7519 §2 defines it as a JSON
// numeric value, seconds since the epoch. jwt.NumericDate (golang-jwt v5) decodes into a
// json.Number, which also takes a JSON string holding a number ("exp": "1999999999"); this type
// refuses that, and anything else that is not a JSON number, before the library sees it.
type numericDate struct{ jwt.NumericDate }

// UnmarshalJSON accepts a JSON number only. (A JSON null never gets here: the claims hold
// pointers, which null leaves nil.)
func (d *numericDate) UnmarshalJSON(b []byte) error {
	if len(b) == 0 || (b[0] != '-' && (b[0] < '0' || b[0] > '9')) {
		return errNumericDate
	}
	return d.NumericDate.UnmarshalJSON(b)
}

// date returns d as the library's type; nil when the claim is absent.
func (d *numericDate) date() *jwt.NumericDate {
	if d == nil {
		return nil
	}
	return &d.NumericDate
}
