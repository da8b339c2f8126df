package relay

import (
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/nordledger/ledger/eventstore/wire"
)

// Errors that stop the Relay (Run returns them): the stream and the log disagree, or an event
// cannot be published correctly. Retrying cannot fix them, so the relay refuses to go on rather
// than skip, reorder or duplicate anything. Test for them with errors.Is; errors.As gives details.
var (
	// ErrStreamAhead: the stream's last sequence is beyond the log's head, so the stream holds
	// messages that are not (or no longer) in this log — another log, or a restored older log file.
	ErrStreamAhead = errors.New("relay: stream is ahead of the log")
	// ErrForeignMessage: a message in the stream is not this log's event at that position (its
	// Nats-Msg-Id is not the event id), or an event id is already stored at another sequence.
	ErrForeignMessage = errors.New("relay: stream holds a message that is not this log's event at its position")
)

// Errors of AsyncPublisher.
var (
	// ErrPublisherClosed: Publish was called on, or interrupted by, a closed AsyncPublisher.
	ErrPublisherClosed = errors.New("relay: publisher closed")
	// ErrUnexpectedSequence: a message that carried Nats-Expected-Last-Sequence N was acknowledged
	// at a sequence other than N+1 (a duplicate of a message stored elsewhere in the stream).
	ErrUnexpectedSequence = errors.New("relay: message acknowledged at an unexpected stream sequence")
	// ErrNoSubject: a message has no wire.MetadataSubject and Publish was given an empty topic.
	ErrNoSubject = errors.New("relay: message has no subject")
)

// ConflictError describes a disagreement between the stream and the log. It matches
// ErrStreamAhead or ErrForeignMessage.
type ConflictError struct {
	Kind       error  // ErrStreamAhead or ErrForeignMessage
	Stream     string // JetStream stream name
	Sequence   uint64 // the stream sequence concerned (its last sequence)
	LogHead    uint64 // the log's head position
	MsgID      string // Nats-Msg-Id found at Sequence, if read
	ExpectedID string // the log's event id at Sequence, if any
	Detail     string
}

func (e *ConflictError) Error() string {
	msg := fmt.Sprintf("%v: stream %s sequence %d, log head %d", e.Kind, e.Stream, e.Sequence, e.LogHead)
	if e.ExpectedID != "" {
		msg += fmt.Sprintf(", Nats-Msg-Id %q, want %q", e.MsgID, e.ExpectedID)
	}
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	return msg
}

// Unwrap returns Kind, so errors.Is(err, ErrStreamAhead) and the like work.
func (e *ConflictError) Unwrap() error { return e.Kind }

// isWrongLastSequence reports whether err is JetStream's "wrong last sequence" (10071 on a single
// server, 10164 on replicated streams).
func isWrongLastSequence(err error) bool {
	var apiErr *jetstream.APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	return apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence ||
		apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant
}

// isTerminal reports whether err stops the relay.
func isTerminal(err error) bool {
	return errors.Is(err, ErrStreamAhead) || errors.Is(err, ErrForeignMessage) ||
		errors.Is(err, wire.ErrUnmappableEvent) || errors.Is(err, ErrUnexpectedSequence)
}
