package consumer

import (
	"context"
	"encoding/json"
	"time"

	"github.com/google/uuid"
	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/internal/tracing"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// Event is one event of the ledger as a consumer receives it: the CloudEvents attributes decoded,
// the data as far as this consumer may read it, and the typed domain event.
type Event struct {
	// ID is the event id (ce-id): unique forever; a redelivered event has the same id and position.
	ID uuid.UUID
	// Position is the event's global log position (ce-ledgerposition), which is also its
	// JetStream stream sequence: gap-free and ascending across the whole ledger log.
	Position uint64
	// LedgerNo is the ledger (from ce-source).
	LedgerNo string
	// Subject is the event's stream within the ledger (ce-subject): "customers/{customerNo}" for
	// a customer's own events, "lookups/{customerNo}" for the record of Connect look-ups of the
	// customer ("lookups/unmatched" for those that matched nobody). Each has its own versions.
	Subject string
	// CustomerNo is the customer of the stream (the end of Subject; "unmatched" for look-ups that
	// matched nobody).
	CustomerNo string
	// Version is the event's version within its stream (ce-streamversion): 1, 2, 3, ... per
	// Subject.
	Version uint64
	// Type is the event type (ce-type without "ledger.customer.v1."), e.g. "CustomerCreated".
	Type string
	// SchemaVersion is the version of the data's schema (ce-schemaversion); Domain is upcast to
	// the current one.
	SchemaVersion int
	// Time is when the event happened (ce-time).
	Time time.Time
	// Actor, CorrelationID and CausationID: who caused it (the token subject), the request, and
	// the message that caused it ("" when not recorded).
	Actor, CorrelationID, CausationID string
	// TraceParent and TraceState are the W3C trace context of the request that caused the event
	// ("" when none was recorded). ChildTraceParent continues the trace.
	TraceParent, TraceState string

	// Payload is the message's data as published: the event's JSON with its personal members
	// sealed in SealedMember.
	Payload []byte
	// Data is the event's JSON as far as this consumer may read it: every member when Personal
	// is PersonalNone or PersonalOpened; otherwise only the clear members (without
	// SealedMember), PersonalMembers naming the others.
	Data json.RawMessage
	// Personal says whether the event's personal members are in Data.
	Personal Personal
	// PersonalMembers are the paths of the event's sealed personal members (e.g. "name",
	// "legalAddress", "answers.0.answerCode"); empty when it has none.
	PersonalMembers []string
	// Withheld says why the personal members are not in Data when Personal is PersonalWithheld:
	// an error matching ErrNoOpener, ErrNotGranted or ErrProtectedIdentity.
	Withheld error
	// Domain is the typed event, the same type the ledger itself decides and stores (upcast to
	// the current schema version). When Personal is PersonalSealed, PersonalWithheld or
	// PersonalErased it is decoded from the clear members: its personal members are zero values
	// — do not take them for the customer's. Nil when the data could not be decoded (DomainErr).
	Domain domain.Event
	// DomainErr is why Domain is nil: an event type or schema version newer than this package
	// knows (update the module), or data that does not decode.
	DomainErr error
	// Redelivered is true when JetStream delivers the event again (an earlier delivery was not
	// acknowledged): the handler may have seen it before, in this process or an earlier one. That
	// includes an event the durable had delivered before the Consumer made it again to keep the
	// order (its delivery count then starts again at 1).
	Redelivered bool
}

// Stream returns the event's stream in the ledger's log: "{ledgerNo}/{Subject}".
func (e *Event) Stream() string { return e.LedgerNo + "/" + e.Subject }

// ChildTraceParent returns a traceparent for work the event causes — the same trace, a new span
// — to send on (as the "traceparent" header of an HTTP request or a message); "" when the event
// carries no trace context.
//
// Within Run a Handler has better: its ctx holds the span of the event's handling (a child of
// the event's trace context), which OpenTelemetry instrumentation continues by itself.
func (e *Event) ChildTraceParent() string {
	ctx := tracing.Extract(context.Background(), e.TraceParent, "")
	if !trace.SpanContextFromContext(ctx).IsValid() {
		return ""
	}
	ctx, _ = tracing.StartEntry(ctx, noop.Tracer{}, "")
	tp, _ := tracing.Format(ctx)
	return tp
}

// Personal says how much of an event's personal data a consumer holds.
type Personal string

// The states of an event's personal members.
const (
	// PersonalNone: the event has no sealed personal members; Data is complete.
	PersonalNone Personal = "none"
	// PersonalSealed: the personal members are sealed and not opened yet (Decode's result;
	// Opener.Open opens them).
	PersonalSealed Personal = "sealed"
	// PersonalOpened: the personal members were opened; Data is complete.
	PersonalOpened Personal = "opened"
	// PersonalWithheld: the personal members are not disclosed to this consumer (Withheld says
	// why); Data holds the clear members.
	PersonalWithheld Personal = "withheld"
	// PersonalErased: the customer was forgotten; its personal members can never be read again.
	// Data holds the clear members.
	PersonalErased Personal = "erased"
)
