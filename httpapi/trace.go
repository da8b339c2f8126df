package httpapi

import (
	"net/http"
	"strings"

	"github.com/nordledger/ledger/internal/tracecontext"
)

// startTrace makes the request a span of the caller's W3C trace: a valid traceparent (exactly
// one header) is continued with a new span id for this request, anything else starts a new
// trace. The request's span is answered in traceresponse (Trace Context Level 2) and recorded on
// the events the request causes, with the caller's tracestate when it is valid. It returns the
// trace id, for the request log.
func startTrace(r *http.Request, w http.ResponseWriter, ri *reqInfo) string {
	var span tracecontext.TraceParent
	values := r.Header.Values(tracecontext.HeaderTraceParent)
	parent, ok := tracecontext.TraceParent{}, false
	if len(values) == 1 {
		parent, ok = tracecontext.Parse(values[0])
	}
	if ok {
		span = parent.Child()
		if state := strings.Join(r.Header.Values(tracecontext.HeaderTraceState), ","); tracecontext.ValidState(state) {
			ri.traceState = state
		}
	} else {
		span = tracecontext.New()
	}
	ri.traceParent = span.String()
	w.Header().Set(tracecontext.HeaderTraceResponse, ri.traceParent)
	return span.TraceIDString()
}
