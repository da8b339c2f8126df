package projections

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strconv"

	"github.com/nordledger/ledger/internal/jsonw"
)

// marshalEvent returns the JSON of a stored event that the audit keeps (audit_events): exactly
// json.Marshal(e), the stored layout, written without reflection. A rebuild encodes every event
// of the log: this takes about two thirds of json.Marshal's time, with half its allocations
// (BenchmarkMarshalEvent). The tests compare the two on every kind of value.
func marshalEvent(e Event) ([]byte, error) {
	// The member names, the id, the time and the numbers take up to ~310 bytes: one allocation
	// for all (the data's base64 had overflowed a smaller buffer, copying the record again).
	b := make([]byte, 0, 320+len(e.Stream)+len(e.Type)+len(e.Actor)+len(e.CorrelationID)+len(e.CausationID)+
		len(e.TraceParent)+len(e.TraceState)+base64.StdEncoding.EncodedLen(len(e.Data)))
	b = append(b, `{"ID":"`...)
	b = appendUUID(b, e.ID)
	b = append(b, `","Stream":`...)
	b = jsonw.AppendString(b, e.Stream)
	b = append(b, `,"Version":`...)
	b = strconv.AppendUint(b, e.Version, 10)
	b = append(b, `,"Position":`...)
	b = strconv.AppendUint(b, e.Position, 10)
	b = append(b, `,"Type":`...)
	b = jsonw.AppendString(b, e.Type)
	b = append(b, `,"SchemaVersion":`...)
	b = strconv.AppendInt(b, int64(e.SchemaVersion), 10)
	b = append(b, `,"Time":"`...)
	b, err := e.Time.AppendText(b) // what MarshalJSON writes between its quotes, in place
	if err != nil {
		return json.Marshal(e) // its error, as json.Marshal reports it
	}
	b = append(b, '"')
	b = append(b, `,"Actor":`...)
	b = jsonw.AppendString(b, e.Actor)
	b = append(b, `,"CorrelationID":`...)
	b = jsonw.AppendString(b, e.CorrelationID)
	b = append(b, `,"CausationID":`...)
	b = jsonw.AppendString(b, e.CausationID)
	b = append(b, `,"TraceParent":`...)
	b = jsonw.AppendString(b, e.TraceParent)
	b = append(b, `,"TraceState":`...)
	b = jsonw.AppendString(b, e.TraceState)
	b = append(b, `,"Data":`...)
	b = jsonw.AppendBytes(b, e.Data)
	return append(b, '}'), nil
}

// appendUUID appends id's canonical form (what its MarshalText returns).
func appendUUID(b []byte, id [16]byte) []byte {
	var s [36]byte
	hex.Encode(s[0:8], id[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], id[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], id[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], id[8:10])
	s[23] = '-'
	hex.Encode(s[24:], id[10:])
	return append(b, s[:]...)
}
