package httpapi

import (
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

// errNonCanonical answers a request whose path is not canonical (canonicalPath), on every route.
var errNonCanonical = notFound(`no resource at this path: paths with "." or ".." segments or empty segments ("//") are not resolved`)

// errNoResource answers a path no route serves.
var errNoResource = notFound("no resource at this path")
