package httpapi

import (
	"maps"
	"net/http"
	"slices"

	"github.com/nordledger/ledger/httpapi/apidocs"
)

// Route is a path pattern the server serves and its methods (HEAD is implied by GET).
type Route struct {
	Pattern string
	Methods []string
	// Scopes are, for a ledger endpoint (registered through route: a token for the ledger and a
	// scope needed), the scope each method needs; nil for other routes.
	Scopes map[string]string
}

// Routes returns every route the server's router serves, in registration order. The contract
// test compares them with the OpenAPI document: a route must be registered through route or
// handle to be listed.
func (s *Server) Routes() []Route {
	out := make([]Route, len(s.registered))
	for i, r := range s.registered {
		out[i] = Route{Pattern: r.Pattern, Methods: slices.Clone(r.Methods), Scopes: maps.Clone(r.Scopes)}
	}
	return out
}

// handle registers a handler that is not a ledger endpoint (it does its own method checks),
// recording its route; the request's route label is the pattern. A request with query
// parameters the route does not take is refused before h runs (query.go).
func (s *Server) handle(mux *http.ServeMux, pattern string, methods []string, h http.HandlerFunc) {
	s.registered = append(s.registered, Route{Pattern: pattern, Methods: methods})
	accepted := make(map[string]acceptedQuery, len(methods)+1)
	for _, m := range methods {
		accepted[m] = acceptedQueryOf(m, pattern)
	}
	if a, ok := accepted[http.MethodGet]; ok {
		accepted[http.MethodHead] = a
	}
	mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		setRoute(r, pattern)
		if a, ok := accepted[r.Method]; ok { // another method: h answers 405
			if _, ps := a.parse(r); len(ps) > 0 {
				s.refuseQuery(w, r, pattern, ps)
				return
			}
		}
		h(w, r)
	})
}

// documentRoutes serves the API descriptions, their readable page and the metrics: GET only,
// no token.
func (s *Server) documentRoutes(mux *http.ServeMux) {
	metrics := s.cfg.Metrics
	if metrics == nil {
		metrics = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s.writeError(w, r, notFound("this server exports no metrics"))
		})
	}
	for pattern, h := range map[string]http.Handler{
		apidocs.PathOpenAPI:  http.HandlerFunc(apidocs.ServeOpenAPI),
		apidocs.PathAsyncAPI: http.HandlerFunc(apidocs.ServeAsyncAPI),
		apidocs.PathDocs:     http.HandlerFunc(apidocs.ServeDocs),
		routeMetrics:         metrics,
	} {
		s.handle(mux, pattern, []string{http.MethodGet}, s.getOnly(h))
	}
}

// getOnly answers methods other than GET and HEAD with a 405 problem.
func (s *Server) getOnly(h http.Handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			s.writeError(w, r, methodNotAllowed(r.Method, "GET, HEAD"))
			return
		}
		h.ServeHTTP(w, r)
	}
}
