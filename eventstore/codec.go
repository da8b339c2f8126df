package eventstore

import (
	"encoding/binary"
	"hash/crc32"
	"time"
)

// The record format of an event in the "events" bucket, version 1:
//
//	byte     format version (1)
//	[16]byte event id
//	uvarint  position
//	uvarint  stream version
//	string   stream
//	string   type
//	uvarint  schema version
//	varint   time, Unix nanoseconds (UTC)
//	string   actor
//	string   correlation id
//	string   causation id
//	string   data (JSON)
//	[4]byte  CRC-32C (Castagnoli) of every byte before it, big-endian
//
// where "string" is a uvarint length followed by that many bytes. Version 2 (written when an
// event carries trace context) adds two strings after the causation id:
//
//	string   traceparent (W3C)
//	string   tracestate (W3C)
//
// A new layout gets a new format version; decode keeps reading every version ever written.
const (
	recordFormatV1 = 1
	recordFormatV2 = 2
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// encodedSize returns an upper bound of the encoded size of e.
func encodedSize(e *Event) int {
	n := 1 + 16 + 3*binary.MaxVarintLen64 + 6*binary.MaxVarintLen32 + binary.MaxVarintLen64 + 4
	return n + 2*binary.MaxVarintLen32 + len(e.Stream) + len(e.Type) + len(e.Actor) + len(e.CorrelationID) + len(e.CausationID) +
		len(e.TraceParent) + len(e.TraceState) + len(e.Data)
}

// appendRecord appends the encoding of e to dst.
func appendRecord(dst []byte, e *Event) []byte {
	start := len(dst)
	traced := e.TraceParent != "" || e.TraceState != ""
	if traced {
		dst = append(dst, recordFormatV2)
	} else {
		dst = append(dst, recordFormatV1)
	}
	dst = append(dst, e.ID[:]...)
	dst = binary.AppendUvarint(dst, e.Position)
	dst = binary.AppendUvarint(dst, e.Version)
	dst = appendString(dst, e.Stream)
	dst = appendString(dst, e.Type)
	dst = binary.AppendUvarint(dst, uint64(e.SchemaVersion))
	dst = binary.AppendVarint(dst, e.Time.UnixNano())
	dst = appendString(dst, e.Actor)
	dst = appendString(dst, e.CorrelationID)
	dst = appendString(dst, e.CausationID)
	if traced {
		dst = appendString(dst, e.TraceParent)
		dst = appendString(dst, e.TraceState)
	}
	dst = binary.AppendUvarint(dst, uint64(len(e.Data)))
	dst = append(dst, e.Data...)
	return binary.BigEndian.AppendUint32(dst, crc32.Checksum(dst[start:], castagnoli))
}

func appendString(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

// decodeRecord decodes a record. It copies everything it keeps, so b may be memory of a bbolt
// transaction. pos is the record's key, used in error messages and checked against the record.
func decodeRecord(pos uint64, b []byte) (Event, error) {
	var e Event
	corrupt := func(reason string) (Event, error) { return Event{}, &CorruptError{Position: pos, Reason: reason} }
	if len(b) < 1+16+4 {
		return corrupt("record too short")
	}
	if b[0] != recordFormatV1 && b[0] != recordFormatV2 {
		return corrupt("unknown record format " + uitoa(uint64(b[0])))
	}
	body, sum := b[:len(b)-4], binary.BigEndian.Uint32(b[len(b)-4:])
	if crc32.Checksum(body, castagnoli) != sum {
		return corrupt("checksum mismatch")
	}
	r := reader{b: body[17:]}
	copy(e.ID[:], body[1:17])
	e.Position = r.uvarint()
	e.Version = r.uvarint()
	e.Stream = r.string()
	e.Type = r.string()
	e.SchemaVersion = int(r.uvarint())
	e.Time = time.Unix(0, r.varint()).UTC()
	e.Actor = r.string()
	e.CorrelationID = r.string()
	e.CausationID = r.string()
	if b[0] == recordFormatV2 {
		e.TraceParent = r.string()
		e.TraceState = r.string()
	}
	if data := r.bytes(); data != nil {
		e.Data = append(make([]byte, 0, len(data)), data...)
	}
	if r.bad || len(r.b) != 0 {
		return corrupt("malformed record")
	}
	if pos != 0 && e.Position != pos {
		return corrupt("record holds position " + uitoa(e.Position))
	}
	return e, nil
}

// reader reads the fields of a record; bad is set on the first malformed field.
type reader struct {
	b   []byte
	bad bool
}

func (r *reader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.bad, r.b = true, nil
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.bad, r.b = true, nil
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) bytes() []byte {
	n := r.uvarint()
	if r.bad || n > uint64(len(r.b)) {
		r.bad, r.b = true, nil
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}

func (r *reader) string() string { return string(r.bytes()) }
