package wire

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/google/uuid"
	"github.com/nordledger/ledger/eventstore"
)

// EventFromMessage maps a message made by NewMessage (or received from the JetStream stream, whose
// headers become metadata) back to the stored event. It is the inverse of NewMessage: the stream
// is the ledger number of ce-source joined by "/" to ce-subject, and every other field comes from
// its ce- attribute. It fails when an attribute is missing or malformed.
func EventFromMessage(msg *message.Message) (eventstore.Event, error) {
	md := msg.Metadata
	var errs []string
	need := func(key string) string {
		v := md.Get(key)
		if v == "" {
			errs = append(errs, "missing "+key)
			return ""
		}
		d, err := DecodeHeaderValue(v)
		if err != nil {
			errs = append(errs, key+": "+err.Error())
		}
		return d
	}
	optional := func(key string) string {
		v, err := DecodeHeaderValue(md.Get(key))
		if err != nil {
			errs = append(errs, key+": "+err.Error())
		}
		return v
	}
	number := func(key string) uint64 {
		s := need(key)
		if s == "" {
			return 0
		}
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s %q is not a number", key, s))
		}
		return n
	}

	var e eventstore.Event
	if s := need(HeaderSpecVersion); s != "" && s != ceSpecVersion {
		errs = append(errs, fmt.Sprintf("%s %q is not %s", HeaderSpecVersion, s, ceSpecVersion))
	}
	if id := need(HeaderID); id != "" {
		var err error
		if e.ID, err = uuid.Parse(id); err != nil {
			errs = append(errs, fmt.Sprintf("%s %q is not a UUID", HeaderID, id))
		}
	}
	source, subject := need(HeaderSource), need(HeaderSubject)
	ledgerNo, ok := strings.CutPrefix(source, ceSourcePrefix)
	if source != "" && (!ok || ledgerNo == "" || strings.Contains(ledgerNo, "/")) {
		errs = append(errs, fmt.Sprintf("%s %q is not %s{ledgerNo}", HeaderSource, source, ceSourcePrefix))
	}
	e.Stream = ledgerNo + "/" + subject
	if typ := need(HeaderType); typ != "" {
		if e.Type, ok = strings.CutPrefix(typ, ceTypePrefix); !ok || e.Type == "" {
			errs = append(errs, fmt.Sprintf("%s %q is not %s{EventType}", HeaderType, typ, ceTypePrefix))
		}
	}
	if t := need(HeaderTime); t != "" {
		var err error
		if e.Time, err = time.Parse(time.RFC3339Nano, t); err != nil {
			errs = append(errs, fmt.Sprintf("%s %q is not an RFC 3339 time", HeaderTime, t))
		}
	}
	e.Position = number(HeaderLedgerPosition)
	e.Version = number(HeaderStreamVersion)
	e.SchemaVersion = int(number(HeaderSchemaVersion))
	e.Actor = optional(HeaderActor)
	e.CorrelationID = optional(HeaderCorrelationID)
	e.CausationID = optional(HeaderCausationID)
	e.TraceParent = optional(HeaderCETraceParent)
	e.TraceState = optional(HeaderCETraceState)
	e.Data = []byte(msg.Payload)
	if len(errs) > 0 {
		return eventstore.Event{}, fmt.Errorf("wire: message %s is not a ledger event: %s", msg.UUID, strings.Join(errs, "; "))
	}
	return e, nil
}
