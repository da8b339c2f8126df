package httpapi

import (
	"net/http"

	"github.com/nordledger/ledger/httpapi/auditui"
)

// routeUI is the audit page's route (package auditui): static files served without a token,
// holding no data; the page calls the ledger routes with the user's bearer token.
const routeUI = auditui.Prefix

// uiRoutes serves the audit page; a path or method it does not serve is answered with a problem.
func (s *Server) uiRoutes(mux *http.ServeMux) {
	h := auditui.Handler(func(w http.ResponseWriter, r *http.Request, status int) {
		if status == http.StatusMethodNotAllowed {
			s.writeError(w, r, methodNotAllowed(r.Method, "GET, HEAD"))
			return
		}
		s.writeError(w, r, errNoResource)
	})
	s.handle(mux, routeUI, []string{http.MethodGet}, h.ServeHTTP) // documents.go: recorded for the contract test

}
