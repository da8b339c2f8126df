package wire

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore"
)

// SubjectPrefix is the first three tokens of every subject: a message's subject is
// "ledger.customer.v1.{ledgerNo}.{customerNo}.{EventType}" (SPEC §9).
const SubjectPrefix = "ledger.customer.v1"

// StreamSubjects is the subject filter of the JetStream stream.
const StreamSubjects = SubjectPrefix + ".>"

// CloudEvents attributes, as NATS headers in binary content mode (CloudEvents NATS protocol
// binding, §3.1: every attribute is a header named "ce-" + attribute name; string values are
// percent-encoded). Extension attribute names are lowercase alphanumeric, as CloudEvents requires.
const (
	HeaderSpecVersion     = "ce-specversion"     // "1.0"
	HeaderID              = "ce-id"              // the event id (UUIDv7)
	HeaderSource          = "ce-source"          // "/ledger/customer/v1/{ledgerNo}"
	HeaderType            = "ce-type"            // "ledger.customer.v1.{EventType}"
	HeaderSubject         = "ce-subject"         // the stream without its ledger: "customers/{customerNo}" or "lookups/{customerNo}"
	HeaderTime            = "ce-time"            // event time, RFC 3339 with nanoseconds, UTC
	HeaderDataContentType = "ce-datacontenttype" // "application/json"
	// Extensions.
	HeaderLedgerPosition = "ce-ledgerposition" // global log position = JetStream stream sequence
	HeaderStreamVersion  = "ce-streamversion"  // version of the event within its stream (ce-subject)
	HeaderSchemaVersion  = "ce-schemaversion"  // version of the data's schema for this event type
	HeaderActor          = "ce-actor"          // who caused the event (token subject); absent when empty
	HeaderCorrelationID  = "ce-correlationid"  // request that caused the event; absent when empty
	HeaderCausationID    = "ce-causationid"    // message that caused the event; absent when empty
	// CloudEvents distributed-tracing extension: the W3C trace context of the request that
	// caused the event; absent when none was recorded.
	HeaderCETraceParent = "ce-traceparent"
	HeaderCETraceState  = "ce-tracestate"
	// HeaderTraceParent and HeaderTraceState carry the same trace context as plain W3C headers,
	// where OpenTelemetry's propagators (and NATS instrumentations) look for it.
	HeaderTraceParent = "traceparent"
	HeaderTraceState  = "tracestate"

	// HeaderContentType repeats datacontenttype for generic NATS tools and SDKs that read it
	// (it is not "application/cloudevents...", so receivers still see binary mode).
	HeaderContentType = "Content-Type"
)

// JetStream headers set on every message.
const (
	HeaderMsgID           = "Nats-Msg-Id"                 // event id: JetStream de-duplication id
	HeaderExpectedLastSeq = "Nats-Expected-Last-Sequence" // position-1: JetStream rejects gaps
	HeaderExpectedStream  = "Nats-Expected-Stream"        // set by the Relay: the stream must capture the subject
	ceSpecVersion         = "1.0"
	contentTypeJSON       = "application/json"
	ceTypePrefix          = SubjectPrefix + "."
	ceSourcePrefix        = "/ledger/customer/v1/"
)

// NewMessage maps a stored event to the Watermill message the relay publishes: UUID = event id,
// payload = the event's JSON data (unchanged bytes), metadata = the headers of Headers (the
// CloudEvents headers above plus Nats-Msg-Id and Nats-Expected-Last-Sequence) and MetadataSubject
// (the subject). It fails as Headers does. ce-subject is the stream without "{ledgerNo}/", so a
// consumer recovers the stream as ledgerNo + "/" + ce-subject (percent-decoded).
func NewMessage(e eventstore.Event) (*message.Message, error) {
	subject, h, err := Headers(e)
	if err != nil {
		return nil, err
	}
	msg := message.NewMessage(h[HeaderID][0], message.Payload(e.Data))
	msg.Metadata = make(message.Metadata, len(h)+1)
	for k, v := range h {
		msg.Metadata[k] = v[0]
	}
	msg.Metadata[MetadataSubject] = subject
	return msg, nil
}

// maxHeaders is the most headers Headers sets: 13 always, 7 more when the event has an actor,
// correlation and causation id and a trace context (parent and state).
const maxHeaders = 20

// Headers maps a stored event to its NATS subject and message headers, one value each: the
// CloudEvents headers above (string values percent-encoded, empty optional ones absent),
// Nats-Msg-Id (event id) and Nats-Expected-Last-Sequence (position-1). The map is
// nats.Header's underlying type and has room for two more headers without growing (the relay
// adds Nats-Expected-Stream and the Watermill UUID). It fails with an error matching
// ErrUnmappableEvent when the event's stream is not "{ledgerNo}/customers/{customerNo}" or
// "{ledgerNo}/lookups/{customerNo}", a subject token would be invalid, or the position is 0.
//
// Headers is the one home of the wire format's headers: NewMessage builds its metadata from it.
func Headers(e eventstore.Event) (subject string, h map[string][]string, err error) {
	subject, ledgerNo, ceSubject, err := subjectParts(e)
	if err != nil {
		return "", nil, err
	}
	if e.Position == 0 {
		return "", nil, &UnmappableEventError{Position: e.Position, Reason: "position 0"}
	}
	h = make(map[string][]string, maxHeaders+2)
	values := make([]string, 0, maxHeaders) // one array for every header's value
	set := func(name, value string) {
		values = append(values, value)
		n := len(values)
		h[name] = values[n-1 : n : n] // capped: appending to one header's values cannot overwrite the next
	}
	setIfNotEmpty := func(name, value string) {
		if value != "" {
			set(name, encodeHeaderValue(value))
		}
	}
	id := e.ID.String()
	set(HeaderSpecVersion, ceSpecVersion)
	set(HeaderID, id)
	set(HeaderSource, encodeHeaderValue(ceSourcePrefix+ledgerNo))
	set(HeaderType, ceTypePrefix+e.Type)
	set(HeaderSubject, encodeHeaderValue(ceSubject))
	set(HeaderTime, e.Time.UTC().Format(time.RFC3339Nano))
	set(HeaderDataContentType, contentTypeJSON)
	set(HeaderContentType, contentTypeJSON)
	set(HeaderLedgerPosition, strconv.FormatUint(e.Position, 10))
	set(HeaderStreamVersion, strconv.FormatUint(e.Version, 10))
	set(HeaderSchemaVersion, strconv.Itoa(e.SchemaVersion))
	setIfNotEmpty(HeaderActor, e.Actor)
	setIfNotEmpty(HeaderCorrelationID, e.CorrelationID)
	setIfNotEmpty(HeaderCausationID, e.CausationID)
	setIfNotEmpty(HeaderCETraceParent, e.TraceParent)
	setIfNotEmpty(HeaderCETraceState, e.TraceState)
	if e.TraceParent != "" { // as is: W3C values are printable ASCII, and propagators do not percent-decode
		set(HeaderTraceParent, e.TraceParent)
	}
	if e.TraceState != "" {
		set(HeaderTraceState, e.TraceState)
	}
	set(HeaderMsgID, id)
	set(HeaderExpectedLastSeq, strconv.FormatUint(e.Position-1, 10))
	return subject, h, nil
}

// Subject returns the NATS subject of an event:
// "ledger.customer.v1.{ledgerNo}.{customerNo}.{EventType}" — for the events of a customer's own
// stream and of its look-up stream alike.
func Subject(e eventstore.Event) (string, error) {
	subject, _, _, err := subjectParts(e)
	return subject, err
}

// subjectParts maps an event's stream to its subject, its ledger and its ce-subject (the stream
// without "{ledgerNo}/"). The relay publishes a customer's own events
// ("{ledgerNo}/customers/{customerNo}") and the record of look-ups of its details
// ("{ledgerNo}/lookups/{customerNo}", or "{ledgerNo}/lookups/unmatched" for look-ups that matched
// nobody) on "ledger.customer.v1.{ledgerNo}.{last segment}.{EventType}"; ce-subject is the stream
// without the ledger, so stream == ledgerNo + "/" + ce-subject.
func subjectParts(e eventstore.Event) (subject, ledgerNo, ceSubject string, err error) {
	fail := func(reason string) (string, string, string, error) {
		return "", "", "", &UnmappableEventError{Position: e.Position, Reason: reason}
	}
	ledgerNo, kind, customerNo, ok := domain.SplitStream(e.Stream)
	if !ok || (kind != domain.StreamCustomers && kind != domain.StreamLookups) {
		return fail(fmt.Sprintf("stream %q is not {ledgerNo}/customers/{customerNo} or {ledgerNo}/lookups/{customerNo}", e.Stream))
	}
	for _, tok := range []struct{ name, value string }{{"ledgerNo", ledgerNo}, {"customerNo", customerNo}, {"event type", e.Type}} {
		if reason := InvalidToken(tok.value); reason != "" {
			return fail(fmt.Sprintf("%s %q %s", tok.name, tok.value, reason))
		}
	}
	return SubjectPrefix + "." + ledgerNo + "." + customerNo + "." + e.Type, ledgerNo, kind + "/" + customerNo, nil
}

// InvalidToken says why s cannot be one token of a NATS subject, or "" when it can. A token must
// be non-empty valid UTF-8 without '.', '*', '>', whitespace or control characters.
func InvalidToken(s string) string {
	if s == "" {
		return "is empty"
	}
	if !utf8.ValidString(s) {
		return "is not valid UTF-8"
	}
	for _, r := range s {
		switch {
		case r == '.' || r == '*' || r == '>':
			return fmt.Sprintf("contains %q", r)
		case unicode.IsSpace(r) || unicode.IsControl(r):
			return "contains whitespace or a control character"
		}
	}
	return ""
}

// encodeHeaderValue percent-encodes a string attribute value as the CloudEvents NATS binding
// requires: space, '"', '%' and every byte outside printable ASCII (U+0021–U+007E) become %XY
// (upper-case hex of each UTF-8 byte). Values needing no encoding are returned unchanged.
func encodeHeaderValue(s string) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if needsEncoding(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	const hex = "0123456789ABCDEF"
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if needsEncoding(c) {
			b = append(b, '%', hex[c>>4], hex[c&0xF])
		} else {
			b = append(b, c)
		}
	}
	return string(b)
}

func needsEncoding(c byte) bool { return c < 0x21 || c > 0x7E || c == '"' || c == '%' }

// DecodeHeaderValue reverses the percent-encoding of a CloudEvents string header value. It fails
// on a malformed escape or when the result is not valid UTF-8 (as the binding requires).
func DecodeHeaderValue(s string) (string, error) {
	if !strings.Contains(s, "%") {
		return s, nil
	}
	v, err := url.PathUnescape(s) // %XX only: a '+' stays a '+'
	if err != nil {
		return "", fmt.Errorf("wire: bad percent-encoding in header value: %w", err)
	}
	if !utf8.ValidString(v) {
		return "", errors.New("wire: the percent-decoded header value is not valid UTF-8")
	}
	return v, nil
}

// UnmappableEventError names an event that cannot be published and why.
type UnmappableEventError struct {
	Position uint64
	Reason   string
}

func (e *UnmappableEventError) Error() string {
	return fmt.Sprintf("wire: event at position %d cannot be mapped to a subject: %s", e.Position, e.Reason)
}

// Is makes errors.Is(err, ErrUnmappableEvent) true.
func (e *UnmappableEventError) Is(target error) bool { return target == ErrUnmappableEvent }
