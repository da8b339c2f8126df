package auth

import (
	"context"
	"errors"

	"github.com/MicahParks/jwkset"
)

// errNoUsableKey is a JWK Set (or a refresh of it) that holds no key able to verify a token.
var errNoUsableKey = errors.New("the JWK Set holds no usable key")

// keepingStorage holds the fetched JWK Set. A fetch whose answer holds no key able to verify a
// token — a JSON document of another shape, an empty set, only unsupported or encryption keys —
// fails instead of replacing the keys: at start ledgerd does not start with it, and a refresh
// keeps the keys fetched before rather than refusing every token until the next good fetch. A
// set with usable keys replaces the keys (a retired key stops verifying).
type keepingStorage struct{ jwkset.Storage }

// KeyReplaceAll implements jwkset.Storage.
func (s keepingStorage) KeyReplaceAll(ctx context.Context, given []jwkset.JWK) error {
	for _, k := range given {
		if use := k.Marshal().USE; use == jwkset.UseSig || use == "" {
			return s.Storage.KeyReplaceAll(ctx, given)
		}
	}
	return errNoUsableKey
}
