package httpapi

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/eventstore/personal"
	"github.com/nordledger/ledger/eventstore/personal/disclosure"
	"github.com/nordledger/ledger/httpapi/auth"
	"github.com/nordledger/ledger/internal/app"
)

// ProblemTypePrefix precedes every problem code in a problem's type (SPEC §8).
const ProblemTypePrefix = "ledger/customer/v1/problems/"

// Problem is an RFC 9457 problem document.
type Problem struct {
	Type     string           `json:"type"`
	Title    string           `json:"title"`
	Status   int              `json:"status"`
	Detail   string           `json:"detail,omitempty"`
	Instance string           `json:"instance,omitempty"`
	Problems []ProblemDetails `json:"problems,omitempty"`
	// Writer is the writer's base URL, in a read-only-replica problem.
	Writer string `json:"writer,omitempty"`
}

// ProblemDetails names one failing input.
type ProblemDetails struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

var titles = map[string]string{
	"validation":                           "Validation failed",
	"unauthorized":                         "Unauthorized",
	"forbidden":                            "Forbidden",
	"not-found":                            "Not found",
	"surplus-depleted":                     "Surplus depleted",
	"customer-not-found":                   "Customer not found",
	"customer-forgotten":                   "Customer forgotten",
	"legal-address-does-not-exists":        "Legal address does not exist",
	"billing-address-does-not-exists":      "Billing address does not exist",
	"company-kyc-questions-not-configured": "KYC questions not configured",
	"conflict":                             "Conflict",
	"kyc-configuration":                    "KYC configuration",
	"method-not-allowed":                   "Method not allowed",
	"precondition-failed":                  "Precondition failed",
	"payload-too-large":                    "Payload too large",
	"unsupported-media-type":               "Unsupported media type",
	"not-acceptable":                       "Not acceptable",
	"unavailable":                          "Service unavailable",
	"timeout":                              "Timeout",
	"client-closed-request":                "Client closed request",
	"fatal":                                "Internal error",
	"read-only-replica":                    "Read-only replica",
	"personal-data-not-granted":            "Personal data not granted",
}

// problem is an answer a handler decided on, returned as an error and answered by writeError. The
// constructors below are where statuses are chosen; writeError maps every other error.
type problem struct {
	status   int
	code     string
	detail   string
	problems []domain.Problem
	// header, when set, goes with the answer with value (Allow, Retry-After, WWW-Authenticate).
	header, value string
	// writer is the writer's base URL, in a read-only-replica problem.
	writer string
}

func (p *problem) Error() string { return p.code + ": " + p.detail }

// Is makes a precondition-failed problem (a caller's If-Match or If-None-Match that refuses a
// write, checked in the command: checkPreconditions, unlessNoneMatch) match
// app.ErrPreconditionFailed, so that the command's span says precondition-failed — the client's
// condition, not an error of the service (internal/app/trace.go). The answer is the problem's.
func (p *problem) Is(target error) bool {
	return target == app.ErrPreconditionFailed && p.code == "precondition-failed"
}

// withHeader returns p answered with a header.
func (p *problem) withHeader(name, value string) *problem {
	p.header, p.value = name, value
	return p
}

// The problems handlers return.

// invalid: 400, the request is not valid; ps lists every failing input.
func invalid(ps ...domain.Problem) error {
	return &problem{status: http.StatusBadRequest, code: "validation", detail: "the request is not valid: see problems", problems: ps}
}

// invalidBody: 400, a request body that cannot be read at all (no property to name).
func invalidBody(detail string) error {
	return &problem{status: http.StatusBadRequest, code: "validation", detail: detail}
}

// notFound: 404 not-found (a resource that is not a customer's: a route, the audit index, ...).
func notFound(detail string) error {
	return &problem{status: http.StatusNotFound, code: "not-found", detail: detail}
}

// customerNotFound: 404 customer-not-found, saying why.
func customerNotFound(detail string) error {
	return &domain.Error{Code: domain.CodeCustomerNotFound, Message: detail}
}

// unauthorized: 401, no valid bearer token, with its challenge (bearerChallenge).
func unauthorized(detail string, err error) error {
	return (&problem{status: http.StatusUnauthorized, code: "unauthorized", detail: detail}).
		withHeader("WWW-Authenticate", bearerChallenge(err))
}

// bearerChallenge is the WWW-Authenticate challenge of a request BearerToken or Verify refused
// with err (RFC 6750 §3): a request without bearer credentials gets none of its error codes
// (§3.1), one with a token that is not valid error="invalid_token".
func bearerChallenge(err error) string {
	if errors.Is(err, auth.ErrMissingToken) || errors.Is(err, auth.ErrOtherScheme) {
		return `Bearer realm="ledger"`
	}
	return `Bearer realm="ledger", error="invalid_token"`
}

// scopeChallenge is the WWW-Authenticate challenge of a valid token that does not allow the
// request (RFC 6750 §3.1, insufficient_scope): naming the scopes it needs, when it lacks a
// scope; none, when it lacks the ledger (which no scope grants).
func scopeChallenge(scopes ...string) string {
	if len(scopes) == 0 {
		return `Bearer realm="ledger", error="insufficient_scope"`
	}
	return `Bearer realm="ledger", error="insufficient_scope", scope="` + strings.Join(scopes, " ") + `"`
}

// forbidden: 403, the token does not allow it.
func forbidden(detail string) error {
	return &problem{status: http.StatusForbidden, code: "forbidden", detail: detail}
}

// lacksLedger: 403, a valid token that does not grant the request's ledger.
func lacksLedger() error {
	return (&problem{status: http.StatusForbidden, code: "forbidden", detail: "the token does not grant access to this ledger"}).
		withHeader("WWW-Authenticate", scopeChallenge())
}

// lacksScope: 403, a valid token without a scope the request needs; detail says which is missing,
// scopes are what the challenge names: every scope the request needs, or (a protected identity)
// the one it needs beyond the route's.
func lacksScope(detail string, scopes ...string) error {
	return (&problem{status: http.StatusForbidden, code: "forbidden", detail: detail}).
		withHeader("WWW-Authenticate", scopeChallenge(scopes...))
}

// methodNotAllowed: 405 with the methods allowed.
func methodNotAllowed(method, allow string) error {
	return (&problem{status: http.StatusMethodNotAllowed, code: "method-not-allowed", detail: method + " is not supported here; allowed: " + allow}).
		withHeader("Allow", allow)
}

// preconditionFailed: 412.
func preconditionFailed(detail string) error {
	return &problem{status: http.StatusPreconditionFailed, code: "precondition-failed", detail: detail}
}

// payloadTooLarge: 413.
func payloadTooLarge(limit int64) error {
	return &problem{status: http.StatusRequestEntityTooLarge, code: "payload-too-large", detail: fmt.Sprintf("the request body is larger than %d bytes", limit)}
}

// bodyTimeout: 408, the body was not received in time.
func bodyTimeout() error {
	return &problem{status: http.StatusRequestTimeout, code: "timeout", detail: "the request body was not received in time"}
}

// unsupportedMediaType: 415.
func unsupportedMediaType() error {
	return &problem{status: http.StatusUnsupportedMediaType, code: "unsupported-media-type", detail: "the request body must be application/json"}
}

// unsupportedCharset: 415, a JSON body labelled with a charset other than UTF-8 (utf8Charset).
func unsupportedCharset() error {
	return &problem{status: http.StatusUnsupportedMediaType, code: "unsupported-media-type",
		detail: "the request body must be application/json in UTF-8: leave the charset parameter out or give charset=utf-8 (us-ascii, its subset, is read as well, by any of its names); no other charset is supported"}
}

// unsupportedContentCoding: 415, a body in a content coding (gzip, ...): none is decoded (RFC 9110
// §15.5.16); Accept-Encoding says which the server takes (RFC 7694 §3).
func unsupportedContentCoding() error {
	return (&problem{status: http.StatusUnsupportedMediaType, code: "unsupported-media-type",
		detail: "the request body must be sent without a content coding: Content-Encoding (gzip, br, ...) is not supported"}).
		withHeader("Accept-Encoding", "identity")
}

// unavailable: 503, the service cannot answer now; retry.
func unavailable(detail string) error {
	return &problem{status: http.StatusServiceUnavailable, code: "unavailable", detail: detail}
}

// notReadableYet: 503 timeout, a write stored (the customer at version) that the read models do
// not show yet; it must not be repeated.
func notReadableYet(customerNo string, version uint64) error {
	return (&problem{status: http.StatusServiceUnavailable, code: "timeout",
		detail: fmt.Sprintf("the change was stored (customer %s, version %d), but the read models have not caught up yet, so it is not readable yet; do not repeat it", customerNo, version)}).
		withHeader("Retry-After", "1")
}

// Problems of the customer's state, the same whichever route met them.
var (
	// errForgotten: 410, the customer was forgotten.
	errForgotten = &problem{status: http.StatusGone, code: "customer-forgotten", detail: "the customer was forgotten: its personal data is erased"}
	// errProtected: 403, an address the caller may not see (protected.go).
	errProtected = lacksScope("the customer has a protected identity: its addresses are disclosed only to callers with the population-register scope", auth.ScopePopulationRegister)
	// errProtectedHistory: 403, the history of a protected customer (protected.go).
	errProtectedHistory = lacksScope("the customer has a protected identity: its history is disclosed only to callers with the population-register scope", auth.ScopePopulationRegister)
	// errProtectedLift: 403, lifting a protected identity without the scope that may see what it
	// hides (protected.go).
	errProtectedLift = lacksScope("the customer has a protected identity: only callers with the population-register scope may lift it", auth.ScopePopulationRegister)
)

// misdirected: 421 Misdirected Request (RFC 9110 §15.5.20: this server will not produce an
// authoritative response to the request), naming the writer, saying why.
func (s *Server) misdirected(why string) error {
	p := &problem{status: http.StatusMisdirectedRequest, code: "read-only-replica", detail: why + "; send the request to the writer", writer: s.cfg.WriterURL}
	if p.writer == "" {
		p.detail = why + "; send the request to the writer of this ledger"
	}
	return p
}

// errFatal: 500, anything unknown; the body reveals nothing (the log has it).
var errFatal = &problem{status: http.StatusInternalServerError, code: "fatal", detail: "an unexpected error occurred; the correlation id identifies it in the logs"}

// writeProblem writes a problem response, its problems in order (problemOrder).
func writeProblem(w http.ResponseWriter, r *http.Request, status int, code, detail string, ps []domain.Problem) {
	send(w, r, &problem{status: status, code: code, detail: detail, problems: ps})
}

// send writes p's problem document.
func send(w http.ResponseWriter, r *http.Request, p *problem) {
	info(r.Context()).problem = p.code
	if p.header != "" {
		w.Header().Set(p.header, p.value)
	}
	doc := Problem{Type: ProblemTypePrefix + p.code, Title: titles[p.code], Status: p.status, Detail: p.detail, Instance: r.URL.Path, Writer: p.writer}
	for _, x := range p.problems {
		doc.Problems = append(doc.Problems, ProblemDetails{Name: x.Name, Description: x.Description})
	}
	slices.SortStableFunc(doc.Problems, problemOrder)
	sendProblem(w, doc)
}

// problemOrder orders a problem document's problems by name, the numbers in names by value
// (answers[2] before answers[10]; answers before answers[0]), and keeps the order in which one
// name's problems were found: the same request always lists its problems the same way, however
// the checks that found them ran.
func problemOrder(a, b ProblemDetails) int {
	x, y := a.Name, b.Name
	for x != "" && y != "" {
		dx, dy := digitsPrefix(x), digitsPrefix(y)
		switch {
		case dx > 0 && dy > 0:
			nx, ny := strings.TrimLeft(x[:dx], "0"), strings.TrimLeft(y[:dy], "0")
			if c := cmp.Compare(len(nx), len(ny)); c != 0 {
				return c
			}
			if c := strings.Compare(nx, ny); c != 0 {
				return c
			}
			x, y = x[dx:], y[dy:]
		case x[0] != y[0]:
			return cmp.Compare(x[0], y[0])
		default:
			x, y = x[1:], y[1:]
		}
	}
	return cmp.Compare(len(x), len(y))
}

// digitsPrefix is the length of s's leading run of ASCII digits.
func digitsPrefix(s string) int {
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	return n
}

func sendProblem(w http.ResponseWriter, p Problem) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = encodeJSON(w, p) // render.go
}

// ErrNationalIDKey: a read replica's national-identifier key differs from the writer's, so its
// look-ups by national identifier (find-customer) would find nothing where a customer exists.
// Customers.FindByNationalID returns it (wrapped) instead of such an answer.
var ErrNationalIDKey = errors.New("this read replica's national-identifier key differs from the writer's")

// errReadOnly answers a change sent to a read replica.
func (s *Server) errReadOnly() error {
	return s.misdirected("this server is a read replica and changes nothing")
}

// statusClientClosed is the status a request whose client went away before its answer is recorded
// with (nginx's 499, "client closed request"): in the request log (at level INFO), the metrics and
// the request's span it is neither a 5xx nor an error, as nobody was failed by the service.
const statusClientClosed = 499

// errClientGone: the client went away before its request was complete (its connection ended
// mid-body), recorded as statusClientClosed like every request whose client went away; nobody
// reads the answer, and nothing was done.
var errClientGone = &problem{status: statusClientClosed, code: "client-closed-request",
	detail: "the connection ended before the request body was complete; nothing was done"}

// errServerClosedConn: the server itself closed the request's connection while it read the body
// (http.Server.Close at shutdown: the read fails with net.ErrClosed). The client did not go away
// and sent nothing wrong: the service stopped serving it, so it is recorded as a 503 unavailable
// ("shutting down"), logged at WARN (an operator's stop is a state, not a fault: reqInfo
// shuttingDown) — not as a gone client (499), which blamed the client. Nobody reads the answer;
// nothing was done.
var errServerClosedConn = &problem{status: http.StatusServiceUnavailable, code: "unavailable",
	detail: "the service is shutting down: it closed the connection before the request body was complete; nothing was done; retry",
	header: "Retry-After", value: "1"}

// writeError answers an error: the one function mapping every error to its status and problem
// document (the problems handlers decide on are *problem, made above). Anything unknown is a 500
// "fatal" whose body reveals nothing. The Connect routes answer in Connect's format instead
// (connect_errors.go).
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var de *domain.Error
	var p *problem
	var re *registerError
	var ve *verifierError
	switch {
	case errors.Is(err, eventstore.ErrNotApplied):
		// Decided (a refusal, or nothing to change) or stored, but the read models lag: the
		// answer is not given before they show it.
		w.Header().Set("Retry-After", "1")
		writeProblem(w, r, http.StatusServiceUnavailable, "timeout", "the read models have not caught up with the ledger yet; read before retrying", nil)
	case errors.Is(err, ErrNationalIDKey):
		// A misconfigured replica (its /readyz says so): no answer rather than a wrong one.
		w.Header().Set("Retry-After", "30")
		writeProblem(w, r, http.StatusServiceUnavailable, "unavailable", "this read replica cannot look customers up by national identifier: its national-identifier key differs from the writer's; ask the writer or another replica", nil)
	case errors.Is(err, personal.ErrMasterKey):
		// A server whose master keys do not open the customer's data key (a read replica not
		// given a rotation's new key): the operators' to fix; no answer rather than a wrong one.
		s.log.ErrorContext(r.Context(), "a data key cannot be opened with the configured master keys", "err", err, "route", routeOf(r), slog.String("correlationId", correlationID(r.Context())))
		w.Header().Set("Retry-After", "30")
		writeProblem(w, r, http.StatusServiceUnavailable, "unavailable", "this server cannot open the customer's data with its master keys (its configuration lacks one); retry later or ask the writer", nil)
	case errors.Is(err, personal.ErrKeyNotYet):
		// A read replica whose key bus has not handed it the customer's data key yet: nothing
		// is wrong with the data, the key is on its way (or NATS is away).
		w.Header().Set("Retry-After", "1")
		writeProblem(w, r, http.StatusServiceUnavailable, "unavailable", "this read replica has not received the customer's data key yet; retry shortly, or read from the writer", nil)
	case errors.As(err, &ve):
		// Like the register: a provider that is down is a state; nothing was recorded.
		info(r.Context()).dependencyDown = true
		s.log.WarnContext(r.Context(), "card-verification provider unavailable", "err", err, "route", routeOf(r), slog.String("correlationId", correlationID(r.Context())))
		w.Header().Set("Retry-After", "5")
		writeProblem(w, r, http.StatusServiceUnavailable, "unavailable", "the card-verification provider did not answer (in time); nothing was changed; retry later", nil)
	case errors.As(err, &re):
		// A dependency that is down is a state, not a failure of ours: warn (the error names no
		// person), and nothing was changed — the register is asked before anything is written.
		info(r.Context()).dependencyDown = true
		s.log.WarnContext(r.Context(), "population register unavailable", "err", err, "route", routeOf(r), slog.String("correlationId", correlationID(r.Context())))
		w.Header().Set("Retry-After", "5")
		writeProblem(w, r, http.StatusServiceUnavailable, "unavailable", "the population register did not answer; nothing was changed; retry later", nil)
	case errors.Is(err, errServerClosedConn):
		info(r.Context()).shuttingDown = true
		send(w, r, errServerClosedConn)
	case errors.As(err, &p):
		send(w, r, p)
	case errors.As(err, &de) && de.Code == domain.CodeCustomerForgotten:
		s.writeError(w, r, errForgotten) // every 410 says the same, whichever route found it
	case errors.As(err, &de):
		status := map[domain.Code]int{
			domain.CodeValidation:             http.StatusBadRequest,
			domain.CodeConflict:               http.StatusConflict,
			domain.CodeNotFound:               http.StatusNotFound,
			domain.CodeCustomerNotFound:       http.StatusNotFound,
			domain.CodeLegalAddressNotFound:   http.StatusNotFound,
			domain.CodeBillingAddressNotFound: http.StatusNotFound,
			domain.CodeKycNotConfigured:       http.StatusNotFound,
			domain.CodeSurplusDepleted:        http.StatusNotFound,
			domain.CodeKycConfiguration:       http.StatusConflict,
		}[de.Code]
		if status == 0 {
			status = http.StatusBadRequest
		}
		detail := de.Message
		if de.Code == domain.CodeCustomerNotFound && detail == "" {
			detail = "the customer does not exist"
		}
		writeProblem(w, r, status, string(de.Code), detail, de.Problems)
	case errors.Is(err, disclosure.ErrNotGranted):
		writeProblem(w, r, http.StatusForbidden, "personal-data-not-granted",
			"the consumer (the token's subject) holds no grant of this ledger's personal data: an operator grants it (ledgerctl consumer grant)", nil)
	case errors.Is(err, disclosure.ErrWriteFailed):
		s.log.ErrorContext(r.Context(), "the disclosure record could not be written", "err", err, "route", routeOf(r), slog.String("correlationId", correlationID(r.Context())))
		w.Header().Set("Retry-After", "30")
		writeProblem(w, r, http.StatusServiceUnavailable, "unavailable", "the disclosure record cannot be written right now; nothing was disclosed; retry later", nil)
	case errors.Is(err, app.ErrKeyNotDestroyed):
		s.log.ErrorContext(r.Context(), "a forgotten customer's data key could not be destroyed", "err", err, "route", routeOf(r), slog.String("correlationId", correlationID(r.Context())))
		w.Header().Set("Retry-After", "30")
		writeProblem(w, r, http.StatusServiceUnavailable, "unavailable",
			"the customer is forgotten (the forget is stored), but its data key could not be destroyed yet, so its personal data is not yet unreadable: send the forget again to finish the erasure (ledgerd also finishes it when it next starts)", nil)
	case errors.Is(err, app.ErrPreconditionFailed):
		writeProblem(w, r, http.StatusPreconditionFailed, "precondition-failed", "the customer has changed since the version in If-Match", nil)
	case errors.Is(err, app.ErrTooMuchContention):
		writeProblem(w, r, http.StatusConflict, "conflict", "the customer is being changed by others; retry", nil)
	case errors.Is(err, context.DeadlineExceeded):
		writeProblem(w, r, http.StatusServiceUnavailable, "timeout", "the request took too long; it may have been applied: read before retrying", nil)
	case errors.Is(err, context.Canceled):
		writeProblem(w, r, statusClientClosed, "client-closed-request", "the request was cancelled", nil)
	case errors.Is(err, eventstore.ErrWriteFailed):
		// The disk is full or failing: an incident for the operators (the error names a file,
		// never a person), a 503 for the client, who may retry once space returns.
		s.log.ErrorContext(r.Context(), "the event log could not be written", "err", err, "route", routeOf(r), slog.String("correlationId", correlationID(r.Context())))
		w.Header().Set("Retry-After", "30")
		writeProblem(w, r, http.StatusServiceUnavailable, "unavailable", "the ledger's storage cannot be written right now (full or failing); the change was not stored; retry later", nil)
	case errors.Is(err, eventstore.ErrClosed):
		info(r.Context()).shuttingDown = true // as errServerClosedConn: a stop, not a fault (WARN)
		writeProblem(w, r, http.StatusServiceUnavailable, "unavailable", "the service is shutting down", nil)
	default:
		s.log.ErrorContext(r.Context(), "request failed", "err", err, "route", routeOf(r), slog.String("correlationId", correlationID(r.Context())))
		send(w, r, errFatal)
	}
}

// errMissingAfterWrite: the read model lacks what a successful command just wrote — a bug.
var errMissingAfterWrite = errors.New("httpapi: the read model lacks a resource the command just wrote")
