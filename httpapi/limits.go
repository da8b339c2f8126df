package httpapi

import (
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
// *http.MaxBytesError (readBody answers 413) and the connection is closed after the response.
func (s *Server) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes)
		}
		next.ServeHTTP(w, r)
	})
}
