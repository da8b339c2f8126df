package consumer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nordledger/ledger/domain"
)

// The wire form of an event on NATS (docs/consumers.md, /asyncapi.json): a CloudEvents 1.0
// event in binary content mode of the CloudEvents NATS protocol binding. The payload is the
// event's JSON data as stored — its personal members sealed in SealedMember — and every
// attribute is a header "ce-{attribute}" whose string value is percent-encoded (space, '"', '%'
// and every byte outside printable ASCII as %XY). The JetStream stream sequence of a message is
// its log position.
const (
	HeaderSpecVersion    = "ce-specversion"    // "1.0"
	HeaderID             = "ce-id"             // the event id (UUIDv7); also Nats-Msg-Id
	HeaderSource         = "ce-source"         // "/ledger/customer/v1/{ledgerNo}"
	HeaderType           = "ce-type"           // "ledger.customer.v1.{EventType}"
	HeaderSubject        = "ce-subject"        // the event's stream without its ledger: "customers/{customerNo}" or "lookups/{customerNo}"
	HeaderTime           = "ce-time"           // RFC 3339 with nanoseconds, UTC
	HeaderLedgerPosition = "ce-ledgerposition" // the global log position = the stream sequence
	HeaderStreamVersion  = "ce-streamversion"  // the version within the stream (ce-subject)
	HeaderSchemaVersion  = "ce-schemaversion"  // the version of the data's schema
	HeaderActor          = "ce-actor"          // who caused it (absent when empty)
	HeaderCorrelationID  = "ce-correlationid"  // the request that caused it (absent when empty)
	HeaderCausationID    = "ce-causationid"    // the message that caused it (absent when empty)
	HeaderTraceParent    = "traceparent"       // W3C trace context of the request that caused it (also ce-traceparent)
	HeaderTraceState     = "tracestate"        // (also ce-tracestate)
	HeaderMsgID          = "Nats-Msg-Id"       // the event id: JetStream's de-duplication id

	// SubjectPrefix begins every NATS subject: "ledger.customer.v1.{ledgerNo}.{customerNo}.{EventType}".
	SubjectPrefix = "ledger.customer.v1"
	// SealedMember is the member of the payload that holds the personal members, encrypted:
	// {"v":1,"f":[the paths of the personal members],"c":"<base64>"}.
	SealedMember = "$pd"
	// DefaultStream is the JetStream stream ledgerd publishes to unless configured otherwise.
	DefaultStream = "LEDGER"

	ceSpecVersion  = "1.0"
	ceTypePrefix   = SubjectPrefix + "."
	ceSourcePrefix = "/ledger/customer/v1/"
)

// ErrNotLedgerEvent: a message is not an event of the ledger (a header is missing or malformed).
var ErrNotLedgerEvent = errors.New("consumer: the message is not a ledger event")

// Decode reads a message of the ledger's stream: its CloudEvents headers (percent-decoded) and
// its payload. The event's personal members are still sealed (Personal is PersonalSealed) unless
// it has none (PersonalNone, and Domain is set); Opener.Open opens them. It fails with an error
// matching ErrNotLedgerEvent when a header is missing or malformed.
func Decode(h nats.Header, payload []byte) (*Event, error) {
	var errs []string
	get := func(key string, required bool) string {
		v := h.Get(key)
		if v == "" {
			if required {
				errs = append(errs, "missing "+key)
			}
			return ""
		}
		d, err := DecodeHeaderValue(v)
		if err != nil {
			errs = append(errs, key+": "+err.Error())
		}
		return d
	}
	number := func(key string) uint64 {
		s := get(key, true)
		if s == "" {
			return 0
		}
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil || n == 0 {
			errs = append(errs, fmt.Sprintf("%s %q is not a whole number ≥ 1", key, s))
		}
		return n
	}
	e := &Event{Payload: payload}
	if s := get(HeaderSpecVersion, true); s != "" && s != ceSpecVersion {
		errs = append(errs, fmt.Sprintf("%s %q is not %s", HeaderSpecVersion, s, ceSpecVersion))
	}
	if id := get(HeaderID, true); id != "" {
		var err error
		if e.ID, err = uuid.Parse(id); err != nil {
			errs = append(errs, fmt.Sprintf("%s %q is not a UUID", HeaderID, id))
		}
	}
	if src := get(HeaderSource, true); src != "" {
		no, ok := strings.CutPrefix(src, ceSourcePrefix)
		if !ok || no == "" || strings.Contains(no, "/") {
			errs = append(errs, fmt.Sprintf("%s %q is not %s{ledgerNo}", HeaderSource, src, ceSourcePrefix))
		}
		e.LedgerNo = no
	}
	if e.Subject = get(HeaderSubject, true); e.Subject != "" {
		kind, no, ok := strings.Cut(e.Subject, "/")
		if !ok || kind == "" || no == "" || strings.Contains(no, "/") {
			errs = append(errs, fmt.Sprintf("%s %q is not {kind}/{customerNo}", HeaderSubject, e.Subject))
		}
		e.CustomerNo = no
	}
	if typ := get(HeaderType, true); typ != "" {
		var ok bool
		if e.Type, ok = strings.CutPrefix(typ, ceTypePrefix); !ok || e.Type == "" {
			errs = append(errs, fmt.Sprintf("%s %q is not %s{EventType}", HeaderType, typ, ceTypePrefix))
		}
	}
	if t := get(HeaderTime, true); t != "" {
		var err error
		if e.Time, err = time.Parse(time.RFC3339Nano, t); err != nil {
			errs = append(errs, fmt.Sprintf("%s %q is not an RFC 3339 time", HeaderTime, t))
		}
	}
	e.Position = number(HeaderLedgerPosition)
	e.Version = number(HeaderStreamVersion)
	e.SchemaVersion = int(number(HeaderSchemaVersion))
	e.Actor = get(HeaderActor, false)
	e.CorrelationID = get(HeaderCorrelationID, false)
	e.CausationID = get(HeaderCausationID, false)
	e.TraceParent = h.Get(HeaderTraceParent) // W3C values are printable ASCII: never percent-encoded
	e.TraceState = h.Get(HeaderTraceState)
	if e.TraceParent == "" { // the CloudEvents distributed-tracing extension carries the same
		e.TraceParent, e.TraceState = get("ce-traceparent", false), get("ce-tracestate", false)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%w: %s", ErrNotLedgerEvent, strings.Join(errs, "; "))
	}
	clear, members, sealed, err := splitSealed(payload)
	if err != nil {
		return nil, fmt.Errorf("%w: event %d: %v", ErrNotLedgerEvent, e.Position, err)
	}
	e.Data, e.PersonalMembers = clear, members
	if sealed {
		e.Personal = PersonalSealed
	} else {
		e.Personal = PersonalNone
		e.decodeDomain()
	}
	return e, nil
}

// splitSealed returns the payload without its SealedMember, and the paths the SealedMember
// names; sealed is false (and clear the payload) when there is none.
func splitSealed(payload []byte) (clear json.RawMessage, members []string, sealed bool, err error) {
	if !bytes.Contains(payload, []byte(`"`+SealedMember+`"`)) {
		return payload, nil, false, nil
	}
	var o map[string]json.RawMessage
	if err := json.Unmarshal(payload, &o); err != nil {
		return nil, nil, false, fmt.Errorf("the payload is not a JSON object: %v", err)
	}
	raw, ok := o[SealedMember]
	if !ok {
		return payload, nil, false, nil
	}
	var pd struct {
		V int      `json:"v"`
		F []string `json:"f"`
	}
	if err := json.Unmarshal(raw, &pd); err != nil || pd.V != 1 {
		return nil, nil, false, fmt.Errorf("malformed %s", SealedMember)
	}
	delete(o, SealedMember)
	clear, err = marshalObject(o)
	return clear, pd.F, true, err
}

// marshalObject writes an object's members in key order, without escaping HTML characters.
func marshalObject(o map[string]json.RawMessage) (json.RawMessage, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(o); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// decodeDomain sets Domain from Data (DomainErr when it cannot be decoded).
func (e *Event) decodeDomain() {
	e.Domain, e.DomainErr = domain.DecodeEvent(e.Type, e.SchemaVersion, e.Data)
}

// DecodeHeaderValue reverses the percent-encoding of a CloudEvents string header value. It fails
// on a malformed escape or when the result is not valid UTF-8.
func DecodeHeaderValue(s string) (string, error) {
	if !strings.Contains(s, "%") {
		return s, nil
	}
	v, err := url.PathUnescape(s) // %XX only: a '+' stays a '+'
	if err != nil {
		return "", fmt.Errorf("bad percent-encoding in header value: %w", err)
	}
	if !utf8.ValidString(v) {
		return "", errors.New("the percent-decoded header value is not valid UTF-8")
	}
	return v, nil
}
