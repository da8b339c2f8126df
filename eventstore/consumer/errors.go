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
	// ErrUnauthorized: the ledger refused the token (401) and then the one the token source gave
	// when asked again (TokenRefused), or the token source's error matches it (its credentials
	// were refused): fix the configuration.
	ErrUnauthorized = errors.New("consumer: the ledger refused the token")
	// ErrMismatch: the ledger answered for another event than the one on NATS (the Opener's URL
	// is not the ledger whose stream is consumed).
	ErrMismatch = errors.New("consumer: the ledger's answer does not match the event")
	// ErrUnavailable: the ledger could not be asked or answered an error that may pass (a
	// network failure, 5xx, 429), or the token source failed (OpenerConfig.Token): retry later.
	ErrUnavailable = errors.New("consumer: the ledger is unavailable")
)

// ErrLogRestored: the ledger's stream holds another event at the position the consumer
// handed over last or checkpointed (LogRestoredError).
var ErrLogRestored = errors.New("consumer: the ledger's log was restored from an older backup")

// LogRestoredError is Run's error when the event at the checkpoint's position is not the one
// the consumer handled there: the ledger's log was restored from an older backup and new events
// took the positions after its end. Resuming would skip the new events up to the checkpoint,
// and the application holds effects of events the ledger no longer has. Ask the ledger's
// operator for the restored log's last position; set the checkpoint back to it (or below) and
// undo what was applied after it; Delete the durable; run again (docs/consumers.md, "A log
// restored from a backup"). A Consumer without a checkpoint meets it within a run (the event
// it handed over last is gone); run again: its durable went with the stream, and it starts
// from the first event.
type LogRestoredError struct {
	Position uint64 // the checkpoint's position
	Want     string // the id of the event handled at it
	Got      string // the id of the event the stream holds there now
}

func (e *LogRestoredError) Error() string {
	return fmt.Sprintf("consumer: the stream holds event %s at position %d, not %s, the event handled there: the ledger's log was restored from an older backup — set the checkpoint back to the restored log's last position, undo what was applied after it, Delete the durable and run again (docs/consumers.md)",
		e.Got, e.Position, e.Want)
}

// Is makes a LogRestoredError match ErrLogRestored.
func (e *LogRestoredError) Is(target error) bool { return target == ErrLogRestored }

// problemError is a problem answered by the ledger's HTTP API.
type problemError struct {
	Status int
	Type   string
	Detail string
}

func (p *problemError) Error() string {
	return fmt.Sprintf("the ledger answered %d %s: %s", p.Status, p.Type, p.Detail)
}
