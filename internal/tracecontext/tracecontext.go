// Package tracecontext parses and formats W3C Trace Context (https://www.w3.org/TR/trace-context/)
// headers: traceparent and tracestate. It is what an OpenTelemetry propagator reads and writes,
// without the SDK: the service records and forwards trace context (HTTP → event metadata → NATS
// headers) but exports no spans itself.
package tracecontext

import (
	"encoding/hex"
	"math/rand/v2"
	"strings"
)

// Header names.
const (
	HeaderTraceParent = "traceparent"
	HeaderTraceState  = "tracestate"
	// HeaderTraceResponse is Trace Context Level 2's response header: the server's own span.
	HeaderTraceResponse = "traceresponse"
)

// FlagSampled is the sampled bit of the trace flags.
const FlagSampled = 0x01

// TraceParent is a parsed traceparent: a trace id, the id of the parent span and the flags.
// The zero value is invalid.
type TraceParent struct {
	TraceID  [16]byte
	ParentID [8]byte
	Flags    byte
}

// Parse parses a traceparent header value as the specification's processing model says: version
// 00 must be exactly 55 characters; a higher version (not ff) may carry more after a '-', which is
// ignored; hex is lower case; an all-zero trace id or parent id is invalid.
func Parse(s string) (TraceParent, bool) {
	var tp TraceParent
	if len(s) < 55 || s[2] != '-' || s[35] != '-' || s[52] != '-' {
		return tp, false
	}
	version, ok := hexByte(s[0:2])
	if !ok || version == 0xff || (version == 0 && len(s) != 55) || (len(s) > 55 && s[55] != '-') {
		return tp, false
	}
	if !lowerHex(s[3:35]) || !lowerHex(s[36:52]) || !lowerHex(s[53:55]) {
		return tp, false
	}
	hex.Decode(tp.TraceID[:], []byte(s[3:35]))
	hex.Decode(tp.ParentID[:], []byte(s[36:52]))
	tp.Flags, _ = hexByte(s[53:55])
	if !tp.Valid() {
		return TraceParent{}, false
	}
	return tp, true
}

// Valid reports whether neither id is all zeros.
func (t TraceParent) Valid() bool { return t.TraceID != [16]byte{} && t.ParentID != [8]byte{} }

// String formats t as a version 00 traceparent.
func (t TraceParent) String() string {
	var b strings.Builder
	b.Grow(55)
	b.WriteString("00-")
	b.WriteString(hex.EncodeToString(t.TraceID[:]))
	b.WriteByte('-')
	b.WriteString(hex.EncodeToString(t.ParentID[:]))
	b.WriteByte('-')
	b.WriteString(hex.EncodeToString([]byte{t.Flags}))
	return b.String()
}

// TraceIDString returns the trace id in hex.
func (t TraceParent) TraceIDString() string { return hex.EncodeToString(t.TraceID[:]) }

// SpanIDString returns the parent (span) id in hex.
func (t TraceParent) SpanIDString() string { return hex.EncodeToString(t.ParentID[:]) }

// Child returns the traceparent of a new span in t's trace: the same trace id and flags, a new
// random span id (what a server passes on for the request it handles).
func (t TraceParent) Child() TraceParent {
	t.ParentID = newSpanID()
	return t
}

// New starts a new trace: random trace and span ids, sampled (so that consumers that record
// traces record this one).
func New() TraceParent {
	var t TraceParent
	for t.TraceID == [16]byte{} {
		putUint64(t.TraceID[:8], rand.Uint64())
		putUint64(t.TraceID[8:], rand.Uint64())
	}
	t.ParentID = newSpanID()
	t.Flags = FlagSampled
	return t
}

func newSpanID() [8]byte {
	var id [8]byte
	for id == [8]byte{} {
		putUint64(id[:], rand.Uint64())
	}
	return id
}

func putUint64(b []byte, v uint64) {
	for i := range 8 {
		b[i] = byte(v >> (56 - 8*i))
	}
}

// ValidState reports whether s is a tracestate value worth propagating: at most 512 characters
// and 32 list members, each key=value with printable ASCII (the specification's limits; keys and
// values are not checked further). Empty is not valid.
func ValidState(s string) bool {
	if s == "" || len(s) > 512 {
		return false
	}
	members := 0
	for _, m := range strings.Split(s, ",") {
		m = strings.Trim(m, " \t")
		if m == "" {
			continue
		}
		members++
		k, v, ok := strings.Cut(m, "=")
		if !ok || k == "" || v == "" || members > 32 {
			return false
		}
		for i := 0; i < len(m); i++ {
			if m[i] < 0x20 || m[i] > 0x7e {
				return false
			}
		}
	}
	return members > 0
}

func hexByte(s string) (byte, bool) {
	if !lowerHex(s) {
		return 0, false
	}
	var b [1]byte
	hex.Decode(b[:], []byte(s))
	return b[0], true
}

func lowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return len(s) > 0
}
