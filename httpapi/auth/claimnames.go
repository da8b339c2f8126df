package auth

import (
	"bytes"
	"encoding/json"
	"strings"
)

// readClaims are the names of the claims a Verifier reads (tokenClaims): the registered claims
// and the service's own.
var readClaims = []string{"iss", "sub", "aud", "exp", "nbf", "iat", "jti", "ledgers", "scope"}

// checkClaimNames refuses a claim set that names a claim the Verifier reads other than exactly,
// or more than once. RFC 7519 §4 makes claim names case-sensitive, but encoding/json matches
// object keys to struct fields case-insensitively (with Unicode folding: "ſcope" is "scope") and
// keeps the last of duplicate keys: without this check a signed "SCOPE" or "Ledgers" — a claim
// an issuer may fill from what a user chose — would grant scopes and ledgers, "EXP" would stand
// for a missing "exp", and of two "ledgers" a gateway and the service could each read another.
// Claims the Verifier does not read may be named as the issuer likes. token is one the parser
// has verified (so its claim set is a JSON object).
func (v *Verifier) checkClaimNames(token string) error {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return invalid("malformed token")
	}
	payload, err := v.parser.DecodeSegment(parts[1])
	if err != nil {
		return invalid("malformed token")
	}
	dec := json.NewDecoder(bytes.NewReader(payload))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return invalid("malformed token")
	}
	seen := make(map[string]bool, len(readClaims))
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return invalid("malformed token")
		}
		name, _ := t.(string)
		for _, claim := range readClaims {
			switch {
			case name == claim && seen[claim]:
				return invalid("claim " + claim + " is given more than once")
			case name == claim:
				seen[claim] = true
			case strings.EqualFold(name, claim):
				return invalid("a claim name differs from " + claim + " only in case (claim names are case-sensitive)")
			}
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return invalid("malformed token")
		}
	}
	return nil
}
