package eventstore

import (
	"errors"
	"fmt"

	"github.com/google/uuid"
)

// Errors of Append. Test for them with errors.Is; errors.As gives the typed details.
var (
	// ErrWrongExpectedVersion: the stream is not at the expected version (see *WrongExpectedVersionError).
	ErrWrongExpectedVersion = errors.New("eventstore: wrong expected version")
	// ErrReservationConflict: a claimed key is held by another stream (see *ReservationConflictError).
	ErrReservationConflict = errors.New("eventstore: key reserved by another stream")
	// ErrEventIDReused: an event id is already stored with other content, in another stream, or at
	// another place in the stream (see *EventIDReusedError).
	ErrEventIDReused = errors.New("eventstore: event id reused")
	// ErrInvalidAppend: the request itself is malformed (empty stream, no events, missing id/type,
	// data that is not JSON, ...).
	ErrInvalidAppend = errors.New("eventstore: invalid append")
)

// Errors of any operation.
var (
	// ErrClosed: the store is closed.
	ErrClosed = errors.New("eventstore: closed")
	// ErrCorrupt: stored bytes failed their checks (see *CorruptError). Open reports it for a file
	// that is not an event store or is damaged.
	ErrCorrupt = errors.New("eventstore: corrupt store")
	// ErrLocked: Open gave up waiting for the file lock, which another process holds (a running
	// ledgerd, for one).
	ErrLocked = errors.New("eventstore: locked by another process")
	// ErrReadOnly: the store was opened with Options.ReadOnly and cannot append.
	ErrReadOnly = errors.New("eventstore: opened read-only")
	// ErrWriteFailed: the file could not be written (a full or read-only disk, an I/O error); the
	// append's transaction was rolled back. The error also wraps the cause.
	ErrWriteFailed = errors.New("eventstore: the log could not be written")
)

// WrongExpectedVersionError is returned when a stream is not at the version an append expected.
type WrongExpectedVersionError struct {
	Stream   string
	Expected ExpectedVersion
	Actual   uint64
}

func (e *WrongExpectedVersionError) Error() string {
	return fmt.Sprintf("eventstore: stream %q: expected %s, actual version %d", e.Stream, e.Expected, e.Actual)
}

// Is makes errors.Is(err, ErrWrongExpectedVersion) true.
func (e *WrongExpectedVersionError) Is(target error) bool { return target == ErrWrongExpectedVersion }

// ReservationConflictError names the key and the stream that holds it.
type ReservationConflictError struct {
	Key    string
	Holder string
}

func (e *ReservationConflictError) Error() string {
	return fmt.Sprintf("eventstore: key %q is held by stream %q", e.Key, e.Holder)
}

// Is makes errors.Is(err, ErrReservationConflict) true.
func (e *ReservationConflictError) Is(target error) bool { return target == ErrReservationConflict }

// EventIDReusedError names the reused id and where it is stored (0 when it was repeated inside the
// request itself).
type EventIDReusedError struct {
	ID       uuid.UUID
	Position uint64
}

func (e *EventIDReusedError) Error() string {
	if e.Position == 0 {
		return fmt.Sprintf("eventstore: event id %s appears twice in one append", e.ID)
	}
	return fmt.Sprintf("eventstore: event id %s is already stored at position %d with other content", e.ID, e.Position)
}

// Is makes errors.Is(err, ErrEventIDReused) true.
func (e *EventIDReusedError) Is(target error) bool { return target == ErrEventIDReused }

// CorruptError describes stored bytes that failed their checks.
type CorruptError struct {
	Position uint64 // 0 when not about one event
	Reason   string
}

func (e *CorruptError) Error() string {
	if e.Position == 0 {
		return "eventstore: corrupt store: " + e.Reason
	}
	return fmt.Sprintf("eventstore: corrupt event at position %d: %s", e.Position, e.Reason)
}

// Is makes errors.Is(err, ErrCorrupt) true.
func (e *CorruptError) Is(target error) bool { return target == ErrCorrupt }

func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidAppend}, args...)...)
}
