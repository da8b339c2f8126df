package consumer

import (
	"errors"
	"fmt"
)

// Why an event's personal members are withheld (Event.Withheld matches one of them).
var (
	// ErrNoOpener: the consumer has no Opener: it does not ask for personal data.
	ErrNoOpener = errors.New("consumer: personal data is not asked for (no Opener)")
	// ErrNotGranted: the ledger answered 403 personal-data-not-granted: no operator has granted
	// this consumer (its token's subject) the ledger's personal data, or the grant was revoked.
	ErrNotGranted = errors.New("consumer: this consumer holds no grant of the ledger's personal data")
	// ErrForbidden: the ledger answered 403 forbidden: the token lacks the ledger or the
	// personal-data:read scope.
	ErrForbidden = errors.New("consumer: the token does not allow asking for the ledger's personal data")
	// ErrProtectedIdentity: the customer's identity is protected and the token lacks the
	// population-register scope.
	ErrProtectedIdentity = errors.New("consumer: the customer's identity is protected")
)

// Errors of Opener.Open.
var (
	// ErrUnauthorized: the ledger refused the token (401), or the token source's error matches
	// it (its credentials were refused): fix the configuration.
	ErrUnauthorized = errors.New("consumer: the ledger refused the token")
	// ErrMismatch: the ledger answered for another event than the one on NATS (the Opener's URL
	// is not the ledger whose stream is consumed).
	ErrMismatch = errors.New("consumer: the ledger's answer does not match the event")
	// ErrUnavailable: the ledger could not be asked or answered an error that may pass (a
	// network failure, 5xx, 429), or the token source failed (OpenerConfig.Token): retry later.
	ErrUnavailable = errors.New("consumer: the ledger is unavailable")
)

// problemError is a problem answered by the ledger's HTTP API.
type problemError struct {
	Status int
	Type   string
	Detail string
}

func (p *problemError) Error() string {
	return fmt.Sprintf("the ledger answered %d %s: %s", p.Status, p.Type, p.Detail)
}
