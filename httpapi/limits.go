package httpapi

import (
	"net/http"
	"slices"
	"strings"
)

// Route is a ledger route as registered: its pattern (with {ledgerNo} and the other path
// parameters) and, per method, the scope a caller needs. HEAD is served wherever GET is.
type Route struct {
	Pattern string
	Scopes  map[string]string // method → scope
}

// Methods returns the route's methods, sorted.
func (r Route) Methods() []string {
	ms := make([]string, 0, len(r.Scopes))
	for m := range r.Scopes {
		ms = append(ms, m)
	}
	slices.Sort(ms)
	return ms
}

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

// Routes returns every ledger route (those under /ledger/customer/v1/{ledgerNo}, which need a
// token for the ledger and a scope), in registration order: what tenancy and scope tests walk,
// so that a new route is covered without touching them.
func (s *Server) Routes() []Route {
	out := make([]Route, len(s.listed))
	copy(out, s.listed)
	return out
}

// list records a route for Routes.
func (s *Server) list(pattern string, methods map[string]endpoint) {
	r := Route{Pattern: pattern, Scopes: make(map[string]string, len(methods))}
	for m, ep := range methods {
		r.Scopes[m] = ep.scope
	}
	s.listed = append(s.listed, r)
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
