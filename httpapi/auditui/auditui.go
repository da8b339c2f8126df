// Package auditui is the audit page ledgerd serves under /ui/: a small web app for people who
// would rather look than read. It shows a customer's timeline — every event with who caused it,
// when, its type and correlation id, and what it changed, field by field — and the customer as
// of any point on it, and the ledger-wide audit query with its filters.
//
// The page is three static files (HTML, CSS, JavaScript) embedded in the binary: no build step,
// nothing loaded from elsewhere. They hold no data and are served without a token. The page
// asks the user for a bearer token (or takes it from the URL fragment, #token=...), keeps it in
// the tab's sessionStorage and calls the ledger's JSON API with it, so everything it shows is
// what the API discloses to that token: scopes, ledgers and the protected-identity rules hold
// as they do for any client.
package auditui

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"strings"
	"time"
)

// Prefix is the path the page is served under.
const Prefix = "/ui/"

// ContentSecurityPolicy is the policy of every response under Prefix: scripts, styles and API
// calls from this origin only — no inline script or style, nothing from elsewhere —, no forms
// submitted anywhere (the page handles them in script), no framing, and Trusted Types required
// for the DOM's HTML sinks (the page builds its DOM with textContent only).
const ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; " +
	"form-action 'none'; base-uri 'none'; frame-ancestors 'none'; require-trusted-types-for 'script'"

//go:embed static
var static embed.FS

// file is one of the page's files.
type file struct {
	contentType string
	body        []byte
	etag        string
}

// files are the page's files by their path under Prefix ("" is the page itself).
var files = func() map[string]file {
	types := map[string]string{
		"index.html": "text/html; charset=utf-8",
		"app.js":     "text/javascript; charset=utf-8",
		"app.css":    "text/css; charset=utf-8",
	}
	out := map[string]file{}
	for name, ct := range types {
		b, err := fs.ReadFile(static, "static/"+name)
		if err != nil {
			panic("auditui: " + err.Error()) // embedded: cannot happen in a built binary
		}
		sum := sha256.Sum256(b)
		out[name] = file{contentType: ct, body: b, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
	}
	out[""] = out["index.html"]
	return out
}()

// ErrorFunc answers a request the handler does not serve with a problem of status (404 for an
// unknown path, 405 for a method other than GET and HEAD; the Allow header is set already).
type ErrorFunc func(w http.ResponseWriter, r *http.Request, status int)

// Handler serves the page's files under Prefix with the security headers; fail answers
// everything else.
func Handler(fail ErrorFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", ContentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		f, ok := files[strings.TrimPrefix(r.URL.Path, Prefix)]
		if !ok || !strings.HasPrefix(r.URL.Path, Prefix) {
			fail(w, r, http.StatusNotFound)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			h.Set("Allow", "GET, HEAD")
			fail(w, r, http.StatusMethodNotAllowed)
			return
		}
		h.Set("Content-Type", f.contentType)
		h.Set("Cache-Control", "no-cache") // revalidated by ETag: a new binary's page is used at once
		h.Set("ETag", f.etag)
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.body))
	})
}
