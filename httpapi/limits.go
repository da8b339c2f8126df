package httpapi

import (
	"io"
	"net/http"
	"strings"
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
		if r.ContentLength > s.cfg.MaxBodyBytes {
			r.Body = tooLargeBody{r.Body, s.cfg.MaxBodyBytes}
		} else {
			r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes)
		}
		next.ServeHTTP(w, r)
	})
}

// tooLargeBody is the body of a request whose declared length exceeds the limit: reading fails at
// once with the error http.MaxBytesReader would have returned.
type tooLargeBody struct {
	io.ReadCloser
	limit int64
}

func (b tooLargeBody) Read([]byte) (int, error) { return 0, &http.MaxBytesError{Limit: b.limit} }
