package tracing

import "strings"

// MaxTraceState is the most bytes of a tracestate recorded with an event: the 512 characters
// every vendor propagates (W3C Trace Context, "tracestate Limits"). A valid tracestate may be
// much longer (32 members of up to 256 + 256 characters), more than an event's metadata holds.
const MaxTraceState = 512

// BoundTraceState returns tracestate cut to MaxTraceState bytes as W3C Trace Context says to
// truncate it: members longer than 128 characters are removed first, then members from the end,
// until it fits. A tracestate that fits is returned as it is.
func BoundTraceState(tracestate string) string {
	if len(tracestate) <= MaxTraceState {
		return tracestate
	}
	members := strings.Split(tracestate, ",")
	kept := members[:0]
	for _, m := range members {
		if m = strings.TrimSpace(m); m != "" && len(m) <= 128 {
			kept = append(kept, m)
		}
	}
	for len(kept) > 0 && len(strings.Join(kept, ",")) > MaxTraceState {
		kept = kept[:len(kept)-1]
	}
	return strings.Join(kept, ",")
}
