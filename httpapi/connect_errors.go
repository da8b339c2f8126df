package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/google/uuid"
	"github.com/nordledger/ledger/eventstore"
)

// Categories of Connect's APIError.
const (
	categoryConnect = "CONNECT_PLATFORM_ERROR" // a functional error
	categoryIO      = "IO_ERROR"               // a technical error
)

// connectError is one kind of error of the Connect client API: the HTTP status and the
// APIError's category, code, id and default message.
type connectError struct {
	status   int
	category string
	code     string
	id       string
	message  string
}

// The errors of the Connect look-up (documented in docs/connect.md). 1214 and 1070 are the
// source document's; 9002, 9007, 1099 and 20000000 are the codes Connect itself uses for these
// cases; the three-digit codes (the HTTP status) are this service's own, for cases where Connect
// documents none. An unknown merchant and a merchant whose ledger the token may not use get the
// same 404, so the answer never tells whether a merchant exists.
var (
	connectUnauthorized   = connectError{http.StatusUnauthorized, categoryConnect, "9002", "MISSING_OR_INVALID_AUTHORIZATION", "A valid bearer token is required."}
	connectNoMerchant     = connectError{http.StatusNotFound, categoryConnect, "9007", "ACCESS_TO_MERCHANT_NOT_ALLOWED", "The merchant does not exist or this token may not act for it."}
	connectForbidden      = connectError{http.StatusForbidden, categoryConnect, "9007", "ACCESS_TO_MERCHANT_NOT_ALLOWED", "The token lacks the scope customer:read."}
	connectUnknownProduct = connectError{http.StatusNotFound, categoryConnect, "1070", "UNKNOWN_PAYMENT_PRODUCT_ID", "UNKNOWN_PAYMENT_PRODUCT_ID"}
	connectMissing        = connectError{http.StatusBadRequest, categoryConnect, "20000000", "PARAMETER_NOT_FOUND_IN_REQUEST", "A required value is missing."}
	connectInvalid        = connectError{http.StatusBadRequest, categoryConnect, "1099", "INVALID_VALUE", "A value is not valid."}
	connectNotFound       = connectError{http.StatusBadRequest, categoryConnect, "1214", "CUSTOMER_DETAILS_NOT_FOUND", "No customer details could be found with the provided data."}
	connectMethod         = connectError{http.StatusMethodNotAllowed, categoryConnect, "405", "METHOD_NOT_ALLOWED", "Only POST is supported here."}
	connectTimeout        = connectError{http.StatusRequestTimeout, categoryIO, "408", "REQUEST_TIMEOUT", "The request body was not received in time."}
	connectTooLarge       = connectError{http.StatusRequestEntityTooLarge, categoryConnect, "413", "REQUEST_TOO_LARGE", "The request body is too large."}
	connectMediaType      = connectError{http.StatusUnsupportedMediaType, categoryConnect, "415", "UNSUPPORTED_MEDIA_TYPE", "The request body must be application/json."}
	connectReadOnly       = connectError{http.StatusMisdirectedRequest, categoryConnect, "421", "READ_ONLY_REPLICA", "This server is a read replica and cannot record the look-up; send it to the writer."}
	connectUnavailable    = connectError{http.StatusServiceUnavailable, categoryIO, "503", "SERVICE_UNAVAILABLE", "The service cannot answer now; retry shortly."}
	connectInternal       = connectError{http.StatusInternalServerError, categoryIO, "500", "INTERNAL_SERVER_ERROR", "An unexpected error occurred; the errorId identifies it in the logs."}
	// connectClientGone records a look-up whose client went away before its answer (nginx's 499,
	// "client closed request", as the ledger routes record it: writeError): nobody reads the body,
	// and the request is neither a 5xx in the metrics nor an error in the log or its span.
	connectClientGone = connectError{statusClientClosed, categoryIO, "499", "CLIENT_CLOSED_REQUEST", "The client closed the request before it was answered."}
)

// connectErrorResponse is Connect's ErrorResponse.
type connectErrorResponse struct {
	ErrorID string     `json:"errorId"`
	Errors  []apiError `json:"errors"`
}

// apiError is Connect's APIError.
type apiError struct {
	Category       string `json:"category"`
	Code           string `json:"code"`
	HTTPStatusCode int    `json:"httpStatusCode"`
	ID             string `json:"id"`
	Message        string `json:"message"`
	PropertyName   string `json:"propertyName,omitempty"`
	RequestID      string `json:"requestId"`
}

// connectProblem is one failing value of a request: its kind, where it is (propertyName, as a
// JSONata path) and what is wrong (never echoing the value).
type connectProblem struct {
	kind     connectError
	property string
	message  string
}

// writeConnectError answers one error of a kind, with its default message when message is "".
func (s *Server) writeConnectError(w http.ResponseWriter, r *http.Request, kind connectError, message string) {
	s.writeConnectProblems(w, r, []connectProblem{{kind: kind, message: message}})
}

// writeConnectProblems answers Connect's ErrorResponse with one APIError per problem, under the
// status of the first. Every response gets a fresh errorId; requestId is the request's own id
// (the causation id of the look-up it records). The errorId is logged with the correlation id,
// never with a submitted value.
func (s *Server) writeConnectProblems(w http.ResponseWriter, r *http.Request, ps []connectProblem) {
	status := ps[0].kind.status
	resp := connectErrorResponse{ErrorID: uuid.NewString(), Errors: make([]apiError, len(ps))}
	reqID := info(r.Context()).requestIDOf()
	ids := make([]string, len(ps))
	for i, p := range ps {
		msg := p.message
		if msg == "" {
			msg = p.kind.message
		}
		resp.Errors[i] = apiError{Category: p.kind.category, Code: p.kind.code, HTTPStatusCode: p.kind.status, ID: p.kind.id,
			Message: msg, PropertyName: p.property, RequestID: reqID}
		ids[i] = p.kind.id
	}
	s.log.LogAttrs(r.Context(), slog.LevelInfo, "connect error", slog.String("errorId", resp.ErrorID), slog.String("requestId", reqID),
		slog.String("errors", strings.Join(ids, ",")), slog.String("route", routeOf(r)), slog.String("correlationId", correlationID(r.Context())))
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, status, resp)
}

// writeConnectErr maps an error to its Connect error response. This is the one place where the
// Connect look-up's errors become HTTP statuses; anything unknown is a 500 whose body reveals
// nothing (the log has it, with the correlation id).
func (s *Server) writeConnectErr(w http.ResponseWriter, r *http.Request, err error) {
	var be *problem
	switch {
	case errors.Is(err, errClientGone):
		s.writeConnectError(w, r, connectClientGone, "")
	case errors.Is(err, errServerClosedConn):
		info(r.Context()).shuttingDown = true
		s.writeConnectError(w, r, connectUnavailable, "")
	case errors.As(err, &be):
		kind := map[int]connectError{http.StatusRequestTimeout: connectTimeout, http.StatusRequestEntityTooLarge: connectTooLarge,
			http.StatusUnsupportedMediaType: connectMediaType}[be.status]
		if kind.status == 0 {
			kind = connectInvalid
		}
		s.writeConnectError(w, r, kind, sentence(be.detail))
	case errors.Is(err, context.Canceled) && r.Context().Err() != nil:
		// The client went away (the request's context ended: its token was still being checked,
		// say): not the service's unavailability.
		s.writeConnectError(w, r, connectClientGone, "")
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled), errors.Is(err, eventstore.ErrClosed), errors.Is(err, eventstore.ErrWriteFailed):
		s.writeConnectError(w, r, connectUnavailable, "")
	default:
		s.log.ErrorContext(r.Context(), "request failed", "err", err, "route", routeOf(r), slog.String("correlationId", correlationID(r.Context())))
		s.writeConnectError(w, r, connectInternal, "")
	}
}

// sentence capitalises a message and ends it with a full stop, like Connect's messages.
func sentence(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + strings.TrimSuffix(s[1:], ".") + "."
}
