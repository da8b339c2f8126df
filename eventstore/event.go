package eventstore

import (
	"time"

	"github.com/google/uuid"
)

// EventData is an event proposed for appending. The store assigns its stream, version and position.
type EventData struct {
	// ID identifies the event forever; use a UUIDv7 (uuid.NewV7). Re-appending the same ids makes an
	// append idempotent.
	ID uuid.UUID
	// Type is the event type name, e.g. "CustomerCreated".
	Type string
	// SchemaVersion is the version of the data's schema for this type (≥ 1).
	SchemaVersion int
	// Time is when the event happened; stored in UTC with nanosecond precision.
	Time time.Time
	// Actor is who caused the event (the token's subject).
	Actor string
	// CorrelationID ties together every event caused by one request.
	CorrelationID string
	// CausationID is the id of the message (command or event) that caused this event.
	CausationID string
	// TraceParent and TraceState are the W3C trace context of the request that caused the event
	// (its span in the caller's trace); empty when none was recorded.
	TraceParent, TraceState string
	// Data is the event's payload, a JSON document.
	Data []byte
	// Decided is the event as its appender decided it, in memory (ledgerd: the domain event, in
	// the clear). The store does not store or look at it: it hands it with the committed event to
	// the commit pipeline's Applier (Event.Decided), so that stage need not decode Data again.
	Decided any `json:"-"`
}

// Event is a stored event: the envelope of SPEC §9.
type Event struct {
	ID            uuid.UUID
	Stream        string
	Version       uint64 // 1-based within the stream
	Position      uint64 // 1-based, global
	Type          string
	SchemaVersion int
	Time          time.Time
	Actor         string
	CorrelationID string
	CausationID   string
	// TraceParent and TraceState: the W3C trace context recorded with the event ("" on events
	// stored before trace context was recorded).
	TraceParent, TraceState string
	Data                    []byte
	// Decided is EventData.Decided, in the commit pipeline only (Applier.Apply); nil for every
	// event read from the log.
	Decided any `json:"-"`
}

// ExpectedVersion is the stream version an append expects to find: Any (the zero value), NoStream,
// StreamExists, or an exact version made with Exact.
type ExpectedVersion int64

const (
	// Any skips the version check. It is the zero value.
	Any ExpectedVersion = 0
	// NoStream requires the stream to be empty; it equals Exact(0).
	NoStream ExpectedVersion = -1
	// StreamExists requires the stream to hold at least one event.
	StreamExists ExpectedVersion = -2
)

// Exact expects the stream to be at exactly version v (Exact(0) is NoStream).
func Exact(v uint64) ExpectedVersion {
	if v == 0 {
		return NoStream
	}
	return ExpectedVersion(v)
}

func (e ExpectedVersion) String() string {
	switch {
	case e == Any:
		return "any"
	case e == StreamExists:
		return "stream-exists"
	case e == NoStream:
		return "no-stream"
	case e > 0:
		return "version " + uitoa(uint64(e))
	}
	return "invalid"
}

// matches reports whether a stream at version actual satisfies e.
func (e ExpectedVersion) matches(actual uint64) bool {
	switch {
	case e == Any:
		return true
	case e == StreamExists:
		return actual > 0
	case e == NoStream:
		return actual == 0
	case e > 0:
		return uint64(e) == actual
	}
	return false
}

// AppendRequest appends events to one stream, atomically with its key claims and releases.
type AppendRequest struct {
	Stream          string
	ExpectedVersion ExpectedVersion
	Events          []EventData
	// Releases are unique keys this stream gives up. A key not held by this stream is left alone.
	// Releases are applied before Claims.
	Releases []string
	// Claims are unique keys this stream takes. A key held by another stream fails the append with
	// an error matching ErrReservationConflict; a key this stream already holds is kept.
	Claims []string
}

// AppendResult describes a successful append.
type AppendResult struct {
	// FirstPosition and LastPosition are the global positions of the first and last event.
	FirstPosition, LastPosition uint64
	// Version is the stream's version after the append (the last event's version).
	Version uint64
	// Duplicate is true when every event was already stored (an idempotent retry): nothing was written.
	Duplicate bool
}

func uitoa(v uint64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			return string(b[i:])
		}
	}
}
