package httpapi

import (
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/httpapi/apidocs"
)

// The query parameters a route accepts are the ones its operation in the OpenAPI document
// declares (apidocs.QueryParameters): the document is their one home, so what is documented is
// what is served. Any other parameter is refused with a 400 validation problem naming it — a
// misspelt filter never widens a query silently — as is a query string that is not valid URL
// encoding. Names are matched case-insensitively (the PayEx document writes both $expand and
// $EXPAND, Language and language), as the properties of request bodies are; values are as sent.

// maxQueryNameLen bounds how much of an unknown parameter's name a problem repeats.
const maxQueryNameLen = 64

// acceptedQuery is the query parameters one operation accepts: lower-case name → declared name.
type acceptedQuery map[string]string

// acceptedQueryOf returns the query parameters the document declares for a method on a route.
func acceptedQueryOf(method, pattern string) acceptedQuery {
	a := acceptedQuery{}
	for _, name := range apidocs.QueryParameters(method, pattern) {
		a[strings.ToLower(name)] = name
	}
	return a
}

// parse reads r's query: its values by the declared names of their parameters, or a problem for
// a query string that is not valid URL encoding and one for each parameter a does not accept.
func (a acceptedQuery) parse(r *http.Request) (url.Values, []domain.Problem) {
	if r.URL.RawQuery == "" {
		return nil, nil
	}
	values, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, []domain.Problem{{Name: "query", Description: "the query string is not valid URL encoding: name=value pairs joined by &, with % followed by two hexadecimal digits"}}
	}
	out := make(url.Values, len(values))
	var unknown []string
	for name, vs := range values {
		declared, ok := a[strings.ToLower(name)]
		if !ok {
			unknown = append(unknown, name)
			continue
		}
		out[declared] = append(out[declared], vs...)
	}
	if len(unknown) == 0 {
		return out, nil
	}
	takes := "this route takes no query parameters"
	if len(a) > 0 {
		takes = "this route takes " + strings.Join(slices.Sorted(maps.Values(a)), ", ")
	}
	ps := make([]domain.Problem, 0, len(unknown))
	for _, name := range unknown {
		shown := name
		if len(shown) > maxQueryNameLen {
			shown = strings.ToValidUTF8(shown[:maxQueryNameLen], "") + "…"
		}
		if shown == "" {
			shown = "(no name)"
		}
		ps = append(ps, domain.Problem{Name: shown, Description: "unknown query parameter: " + takes})
	}
	return nil, ps
}

// refuseQuery answers a request whose query parameters a route refused: a validation problem,
// or on the Connect route Connect's own error response.
func (s *Server) refuseQuery(w http.ResponseWriter, r *http.Request, pattern string, ps []domain.Problem) {
	if pattern != routeConnectCustomerDetails {
		s.writeError(w, r, invalid(ps...))
		return
	}
	cps := make([]connectProblem, len(ps))
	for i, p := range ps {
		cps[i] = connectProblem{kind: connectInvalid, property: p.Name, message: sentence(p.Description)}
	}
	s.writeConnectProblems(w, r, cps)
}
