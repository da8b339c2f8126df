package httpapi

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/eventstore/personal/disclosure"
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
	"fatal":                                "Internal error",
	"read-only-replica":                    "Read-only replica",
	"personal-data-not-granted":            "Personal data not granted",
}

// writeProblem writes a problem response, its problems in order (problemOrder).
func writeProblem(w http.ResponseWriter, r *http.Request, status int, code, detail string, ps []domain.Problem) {
	info(r.Context()).problem = code
	p := Problem{Type: ProblemTypePrefix + code, Title: titles[code], Status: status, Detail: detail, Instance: r.URL.Path}
	for _, x := range ps {
		p.Problems = append(p.Problems, ProblemDetails{Name: x.Name, Description: x.Description})
	}
	slices.SortStableFunc(p.Problems, problemOrder)
	sendProblem(w, p)
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

// refuseWrite answers a change sent to a read replica: 421 Misdirected Request (RFC 9110 §15.5.20:
// this server will not produce an authoritative response for it), naming the writer.
func (s *Server) refuseWrite(w http.ResponseWriter, r *http.Request) {
	s.referToWriter(w, r, "this server is a read replica and changes nothing")
}

// referToWriter answers a request only the writer serves (421, naming the writer), saying why.
func (s *Server) referToWriter(w http.ResponseWriter, r *http.Request, why string) {
	info(r.Context()).problem = "read-only-replica"
	p := Problem{Type: ProblemTypePrefix + "read-only-replica", Title: titles["read-only-replica"], Status: http.StatusMisdirectedRequest,
		Detail: why + "; send the request to the writer", Instance: r.URL.Path, Writer: s.cfg.WriterURL}
	if p.Writer == "" {
		p.Detail = why + "; send the request to the writer of this ledger"
	}
	sendProblem(w, p)
}

// writeValidation writes a 400 validation problem listing every failing property.
func writeValidation(w http.ResponseWriter, r *http.Request, ps []domain.Problem) {
	writeProblem(w, r, http.StatusBadRequest, "validation", "the request is not valid: see problems", ps)
}

// writeError maps an error to its problem response. This is the one place where errors become
// HTTP statuses; anything unknown is a 500 "fatal" whose body reveals nothing.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var de *domain.Error
	var be *errBody
	var re *registerError
	var ve *verifierError
	switch {
	case errors.Is(err, eventstore.ErrNotApplied):
		// Decided (a refusal, or nothing to change) or stored, but the read models lag: the
		// answer is not given before they show it.
		w.Header().Set("Retry-After", "1")
		writeProblem(w, r, http.StatusServiceUnavailable, "timeout", "the read models have not caught up with the ledger yet; read before retrying", nil)
	case errors.As(err, &ve):
		// Like the register: a provider that is down is a state; nothing was recorded.
		info(r.Context()).dependencyDown = true
		s.log.WarnContext(r.Context(), "card-verification provider unavailable", "err", err, "route", routeOf(r), slog.String("correlationId", correlationID(r.Context())))
		w.Header().Set("Retry-After", "5")
		writeProblem(w, r, http.StatusServiceUnavailable, "unavailable", "the card-verification provider did not answer; nothing was changed; retry later", nil)
	case errors.As(err, &re):
		// A dependency that is down is a state, not a failure of ours: warn (the error names no
		// person), and nothing was changed — the register is asked before anything is written.
		info(r.Context()).dependencyDown = true
		s.log.WarnContext(r.Context(), "population register unavailable", "err", err, "route", routeOf(r), slog.String("correlationId", correlationID(r.Context())))
		w.Header().Set("Retry-After", "5")
		writeProblem(w, r, http.StatusServiceUnavailable, "unavailable", "the population register did not answer; nothing was changed; retry later", nil)
	case errors.As(err, &be):
		writeProblem(w, r, be.status, be.code, be.detail, nil)
	case errors.As(err, &de) && de.Code == domain.CodeCustomerForgotten:
		writeForgotten(w, r) // forget.go: every 410 says the same, whichever route found it
	case errors.As(err, &de):
		status := map[domain.Code]int{
			domain.CodeValidation:             http.StatusBadRequest,
			domain.CodeConflict:               http.StatusConflict,
			domain.CodeNotFound:               http.StatusNotFound,
			domain.CodeCustomerNotFound:       http.StatusNotFound,
			domain.CodeLegalAddressNotFound:   http.StatusNotFound,
			domain.CodeBillingAddressNotFound: http.StatusNotFound,
			domain.CodeKycNotConfigured:       http.StatusNotFound,
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
	case errors.Is(err, app.ErrPreconditionFailed):
		writeProblem(w, r, http.StatusPreconditionFailed, "precondition-failed", "the customer has changed since the version in If-Match", nil)
	case errors.Is(err, app.ErrTooMuchContention):
		writeProblem(w, r, http.StatusConflict, "conflict", "the customer is being changed by others; retry", nil)
	case errors.Is(err, context.DeadlineExceeded):
		writeProblem(w, r, http.StatusServiceUnavailable, "timeout", "the request took too long; it may have been applied: read before retrying", nil)
	case errors.Is(err, context.Canceled):
		writeProblem(w, r, 499, "timeout", "the request was cancelled", nil)
	case errors.Is(err, eventstore.ErrWriteFailed):
		// The disk is full or failing: an incident for the operators (the error names a file,
		// never a person), a 503 for the client, who may retry once space returns.
		s.log.ErrorContext(r.Context(), "the event log could not be written", "err", err, "route", routeOf(r), slog.String("correlationId", correlationID(r.Context())))
		w.Header().Set("Retry-After", "30")
		writeProblem(w, r, http.StatusServiceUnavailable, "unavailable", "the ledger's storage cannot be written right now (full or failing); the change was not stored; retry later", nil)
	case errors.Is(err, eventstore.ErrClosed):
		writeProblem(w, r, http.StatusServiceUnavailable, "unavailable", "the service is shutting down", nil)
	default:
		s.log.ErrorContext(r.Context(), "request failed", "err", err, "route", routeOf(r), slog.String("correlationId", correlationID(r.Context())))
		writeProblem(w, r, http.StatusInternalServerError, "fatal", "an unexpected error occurred; the correlation id identifies it in the logs", nil)
	}
}

// errMissingAfterWrite: the read model lacks what a successful command just wrote — a bug.
var errMissingAfterWrite = errors.New("httpapi: the read model lacks a resource the command just wrote")
