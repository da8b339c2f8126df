package httpapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"time"

	"github.com/google/uuid"
	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/httpapi/auth"
	"github.com/nordledger/ledger/internal/app"
)

// CorrelationHeader carries the correlation id: taken from the request (or generated) and echoed.
const CorrelationHeader = "X-Correlation-ID"

type ctxKey struct{}

// reqInfo is what the middleware knows of a request, for logs.
type reqInfo struct {
	correlationID string
	requestID     string // this request's own id (requestIDOf): the causation id of the events it causes
	route         string
	// dependencyDown: the response is a 503 because a dependency (the population register) did
	// not answer; logged as a warning, not an error.
	dependencyDown bool
	// shuttingDown: the response is a 503 because the server itself closed the request's
	// connection (errServerClosedConn); logged as a warning, not an error.
	shuttingDown bool
	// rebuilding: the response is a 503 because the read models have not reached the read floor
	// in time (a start, or a reader's rebuild): a state, logged as a warning, not an error.
	rebuilding bool
	// traceParent is this request's span in the caller's trace (or a new trace): recorded on the
	// events the request causes; traceState is the caller's tracestate (trace.go).
	traceParent, traceState string
	// command is the operation id of a request to a ledger endpoint that changes data ("" for
	// reads); problem is the code of the problem answered, if any (for metrics, observe.go).
	command, problem string
}

func info(ctx context.Context) *reqInfo {
	if i, ok := ctx.Value(ctxKey{}).(*reqInfo); ok {
		return i
	}
	return &reqInfo{}
}

func correlationID(ctx context.Context) string { return info(ctx).correlationID }

// requestIDOf returns the request's own id, made when first asked for: only requests that cause
// events or answer Connect errors need one (a UUIDv7 was 1% of a GET's CPU).
func (i *reqInfo) requestIDOf() string {
	if i.requestID == "" {
		i.requestID = uuid.Must(uuid.NewV7()).String()
	}
	return i.requestID
}

func routeOf(r *http.Request) string         { return info(r.Context()).route }
func setRoute(r *http.Request, route string) { info(r.Context()).route = route }

// validCorrelationID accepts 1–128 visible ASCII characters.
func validCorrelationID(s string) bool {
	if len(s) == 0 || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// statusRecorder remembers the status written.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (w *statusRecorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// middleware adds the correlation id, forbids content sniffing (a JSON answer is never read as
// HTML: render.go writes them without HTML escaping), recovers panics into 500 problems and logs
// each request (method, route pattern, status, duration, correlation id — never paths with
// identifiers or bodies).
func (s *Server) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ri := &reqInfo{route: "unmatched"}
		rec := &statusRecorder{ResponseWriter: w}
		ctx, span := s.startSpan(context.WithValue(r.Context(), ctxKey{}, ri), r, rec, ri) // trace.go
		r = r.WithContext(ctx)
		cid := r.Header.Get(CorrelationHeader)
		badCID := cid != "" && !validCorrelationID(cid)
		if cid == "" || badCID {
			cid = uuid.Must(uuid.NewV7()).String()
		}
		ri.correlationID = cid
		rec.Header().Set(CorrelationHeader, cid)
		rec.Header().Set("X-Content-Type-Options", "nosniff")
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler { // net/http cuts the connection
					abortSpan(span, r, ri, rec.status) // trace.go
					panic(p)
				}
				s.log.ErrorContext(r.Context(), "panic serving request", "panic", fmt.Sprint(p), "stack", string(debug.Stack()),
					"route", ri.route, "correlationId", cid)
				if rec.status == 0 {
					send(rec, r, errFatal)
				}
			}
			level := slog.LevelInfo
			switch {
			case rec.status >= 500 && ri.route == routeReady && !s.wasReady.Load():
				level = slog.LevelDebug // starting: "not ready yet" is what a poller expects to hear
			case rec.status >= 500 && (ri.route == routeReady || ri.dependencyDown || ri.shuttingDown || ri.rebuilding):
				level = slog.LevelWarn // not ready (any more), or stopping, is a state, not a failure
			case rec.status >= 500:
				level = slog.LevelError
			}
			elapsed := time.Since(start)
			// The log handler adds traceId and spanId: the request's span (tracing.LogHandler).
			s.log.LogAttrs(r.Context(), level, "request", slog.String("method", r.Method), slog.String("route", ri.route),
				slog.Int("status", rec.status), slog.Duration("duration", elapsed), slog.String("correlationId", cid))
			s.observe(r, ri, rec.status, elapsed) // observe.go
			endSpan(span, r, ri, rec.status)      // trace.go
		}()
		if badCID {
			s.writeError(rec, r, invalid(domain.Problem{Name: CorrelationHeader, Description: "X-Correlation-ID must be 1 to 128 visible ASCII characters"}))
			return
		}
		if r.Method != http.MethodConnect && !canonicalPath(r.URL.Path) { // paths.go: no redirect to a cleaned path
			s.writeError(rec, r, errNonCanonical)
			return
		}
		next.ServeHTTP(rec, r)
	})
}

// call is an authenticated request on one ledger.
type call struct {
	principal auth.Principal
	ledger    domain.LedgerPolicy
	ledgerNo  string
	now       time.Time // the server's clock when the request arrived
	register  bool      // a population register is configured
	// query holds the request's query parameters by their declared names (query.go): the
	// handlers read them here, never from the URL.
	query url.Values
}

// serveLedger authenticates the caller, checks ledger access and scope, and runs the endpoint.
// Order matters for tenancy: a caller without access to the ledger learns nothing about it.
func (s *Server) serveLedger(w http.ResponseWriter, r *http.Request, ep endpoint, query url.Values) error {
	p, err := s.principal(r)
	if err != nil {
		return err
	}
	ledgerNo := r.PathValue("ledgerNo")
	if !p.CanAccessLedger(ledgerNo) {
		return lacksLedger()
	}
	if !p.HasScope(ep.scope) {
		return lacksScope("the token lacks the scope "+ep.scope, ep.scope)
	}
	ledger, ok := s.cfg.Ledgers.Ledger(ledgerNo)
	if !ok {
		return notFound("the ledger does not exist")
	}
	return ep.handler(w, r, &call{principal: p, ledger: ledger, ledgerNo: ledgerNo, now: s.now(), register: s.cfg.PopulationRegister != nil, query: query})
}

// principal verifies the request's bearer token (401 unauthorized without a valid one).
func (s *Server) principal(r *http.Request) (auth.Principal, error) {
	token, err := auth.BearerToken(r)
	var p auth.Principal
	if err == nil {
		p, err = s.cfg.Verifier.VerifyContext(r.Context(), token)
	}
	if ctxErr := r.Context().Err(); err != nil && ctxErr != nil && errors.Is(err, ctxErr) {
		return p, err // the request ended before its token could be checked: not a 401 (writeError)
	}
	if err != nil {
		detail := "a valid bearer token is required"
		if !errors.Is(err, auth.ErrMissingToken) {
			detail = "the bearer token is not valid: " + err.Error()
		}
		return p, unauthorized(detail, err)
	}
	return p, nil
}

// meta returns the command metadata of a call.
func (s *Server) meta(r *http.Request, c *call) app.Meta {
	ri := info(r.Context())
	return app.Meta{Actor: c.principal.Subject, CorrelationID: ri.correlationID, CausationID: ri.requestIDOf(), Time: s.now().UTC(),
		TraceParent: ri.traceParent, TraceState: ri.traceState, Command: ri.command}
}
