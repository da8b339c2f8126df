package httpapi

import (
	"net/http"
	"path"
	"strings"
)

// canonicalPath reports whether p is in the form Go's ServeMux routes without a redirect: no "."
// or ".." segment and no empty segment ("//"). The mux answers any other path with a redirect to
// its cleaned form (/ledger/customer/v1/1000/customers/../../../../etc/passwd →
// Location: /ledger/etc/passwd), which tells a client that such paths are resolved; the API
// answers them with a 404 problem instead (refuseNonCanonical).
func canonicalPath(p string) bool {
	if p == "" || p[0] != '/' {
		return false
	}
	clean := path.Clean(p)
	if strings.HasSuffix(p, "/") && clean != "/" {
		clean += "/"
	}
	return clean == p
}

// refuseNonCanonical answers a request whose path is not canonical (canonicalPath) with a 404
// not-found problem, on every route.
func refuseNonCanonical(w http.ResponseWriter, r *http.Request) {
	writeProblem(w, r, http.StatusNotFound, "not-found",
		`no resource at this path: paths with "." or ".." segments or empty segments ("//") are not resolved`, nil)
}
