// Package auth verifies the bearer tokens of the ledger API (SPEC §2) the way an
// OAuth2 resource server would, and mints development tokens.
//
// Tokens are JWT access tokens. In development they are signed with HS256 and a
// shared secret ([Config.HS256Secret]); in production with RS256 or ES256 by an
// identity provider whose public keys are published as a JWK Set
// ([Config.JWKSURL]). A verified token becomes a [Principal]: the subject (the
// actor recorded on every event), the ledgers it may act on and its scopes.
//
// Every verification failure matches [ErrInvalidToken]; the HTTP layer answers
// those with 401 and answers a Principal lacking a ledger or scope with 403.
package auth
