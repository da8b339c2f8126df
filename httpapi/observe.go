package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/nordledger/ledger/httpapi/apidocs"
)

// Observer is told of every request the server answered (implemented by ledgerd's metrics). It
// must be safe for concurrent use and fast: it runs on the request's goroutine.
type Observer interface {
	ObserveRequest(o RequestObservation)
}

// RequestObservation describes one answered request. Its values are bounded sets, fit for
// metric labels: never a raw path.
type RequestObservation struct {
	Method string // the request's method (other than the standard ones: "OTHER")
	// Route is the route pattern that served the request, e.g.
	// "/ledger/customer/v1/{ledgerNo}/customers/{customerNo}"; "unmatched" when none did.
	Route    string
	Status   int
	Duration time.Duration
	// Command is the operation id (in the OpenAPI document) of a request to a ledger endpoint
	// that changes data, e.g. "createCustomer"; "" for reads and other routes.
	Command string
	// Outcome of a command: "ok" below status 400, else the problem code answered
	// ("validation", "conflict", "forbidden", ...) or "status-NNN" when there was none.
	Outcome string
}

// observe tells the Observer of an answered request.
func (s *Server) observe(r *http.Request, ri *reqInfo, status int, d time.Duration) {
	if s.cfg.Observer == nil {
		return
	}
	o := RequestObservation{Method: metricMethod(r.Method), Route: ri.route, Status: status, Duration: d, Command: ri.command}
	if o.Command != "" {
		switch {
		case status < 400:
			o.Outcome = "ok"
		case ri.problem != "":
			o.Outcome = ri.problem
		default:
			o.Outcome = "status-" + strconv.Itoa(status)
		}
	}
	s.cfg.Observer.ObserveRequest(o)
}

// metricMethod bounds the method label: a client can send any token as a method.
func metricMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return m
	}
	return "OTHER"
}

// commandName returns the OpenAPI operation id of method on a route pattern, or "METHOD pattern"
// for a route the document does not describe yet (the contract test reports those).
func commandName(method, pattern string) string {
	if id := apidocs.OperationID(method, pattern); id != "" {
		return id
	}
	return method + " " + pattern
}
