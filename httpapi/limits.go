package httpapi

import (
	"io"
	"net/http"
	"strings"
	"time"
)

// Params returns the names of the route's path parameters, in order.
func (r Route) Params() []string {
	var out []string
	for _, seg := range strings.Split(r.Pattern, "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			out = append(out, strings.TrimSuffix(strings.TrimPrefix(seg, "{"), "}"))
		}
	}
	return out
}

// LedgerRoutes returns the ledger endpoints among Routes — those under
// /ledger/customer/v1/{ledgerNo} that need a token for the ledger and a scope — in registration
// order: what tenancy and scope tests walk, so that a new route is covered without touching them.
func (s *Server) LedgerRoutes() []Route {
	var out []Route
	for _, r := range s.Routes() {
		if len(r.Scopes) > 0 {
			out = append(out, r)
		}
	}
	return out
}

// limitBody bounds every request body by Config.MaxBodyBytes: reading past it fails with an
// *http.MaxBytesError (readBody answers 413) and the connection is closed after the response. A
// body whose Content-Length already exceeds the limit fails on the first read, before anything
// is read from the connection: a client that sent Expect: 100-continue gets the 413 without being
// asked for the body (RFC 9110 §10.1.1), so it never writes into a connection the server closes.
func (s *Server) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody {
			next.ServeHTTP(w, r)
			return
		}
		// A copy: the server decides after the handler, from its own request's body, whether the
		// connection can be kept (an Expect: 100-continue body never asked for is not read then).
		r = r.WithContext(r.Context())
		var body io.ReadCloser
		if r.ContentLength > s.cfg.MaxBodyBytes {
			body = tooLargeBody{r.Body, s.cfg.MaxBodyBytes}
		} else {
			body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes)
		}
		if s.cfg.HTTPWriteTimeout > 0 {
			body = &answerableBody{ReadCloser: body, w: w, timeout: s.cfg.HTTPWriteTimeout, headersAt: time.Now()}
		}
		r.Body = body
		next.ServeHTTP(w, r)
	})
}

// answerableBody counts the HTTP server's write timeout again from the end of the body: net/http
// counts it from the end of the headers (just before the handler is called), so a body that took
// most of the read timeout to arrive would leave its write no time — the change stored, and its
// answer never written. A body that ends after that deadline has passed (a read timeout longer
// than the write timeout) is refused as too slow (408), since no answer could be written: nothing
// is done that could not be answered.
type answerableBody struct {
	io.ReadCloser
	w         http.ResponseWriter
	timeout   time.Duration
	headersAt time.Time
	ended     bool
}

func (b *answerableBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF && !b.ended {
		b.ended = true
		if time.Since(b.headersAt) >= b.timeout {
			return n, errAnswerTooLate
		}
		// An error only where no deadline can be set (not a connection of net/http's): the
		// server's own deadline stands then.
		_ = http.NewResponseController(b.w).SetWriteDeadline(time.Now().Add(b.timeout))
	}
	return n, err
}

// errAnswerTooLate: a request body ended after the HTTP server's write deadline. A timeout, as a
// body the read timeout cut off (readBody answers 408).
var errAnswerTooLate error = answerTooLate{}

type answerTooLate struct{}

func (answerTooLate) Error() string {
	return "the request body ended after the time to answer it had passed"
}
func (answerTooLate) Timeout() bool   { return true }
func (answerTooLate) Temporary() bool { return false }

// tooLargeBody is the body of a request whose declared length exceeds the limit: reading fails at
// once with the error http.MaxBytesReader would have returned.
type tooLargeBody struct {
	io.ReadCloser
	limit int64
}

func (b tooLargeBody) Read([]byte) (int, error) { return 0, &http.MaxBytesError{Limit: b.limit} }
