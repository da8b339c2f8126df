// Package contracttest keeps the OpenAPI document true in tests: a validating http.RoundTripper
// checks every response the tests' HTTP clients receive, and every request the service accepted,
// against the document, with github.com/getkin/kin-openapi (openapi3filter). Only tests import it.
package contracttest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/nordledger/ledger/httpapi/apidocs"
)

// Document is the loaded, validated OpenAPI document with a router of its paths.
type Document struct {
	T   *openapi3.T
	mux *http.ServeMux // the document's path templates, matched as the service's router does
}

var (
	loadOnce sync.Once
	loaded   *Document
	loadErr  error
)

// Load loads the served OpenAPI document and validates it (examples included).
func Load() (*Document, error) {
	loadOnce.Do(func() {
		// The service's pages and their files are text: validate them as strings.
		for _, ct := range []string{"text/html", "text/javascript", "text/css"} {
			openapi3filter.RegisterBodyDecoder(ct, openapi3filter.PlainBodyDecoder)
		}
		b, err := apidocs.OpenAPI()
		if err != nil {
			loadErr = err
			return
		}
		l := openapi3.NewLoader()
		doc, err := l.LoadFromData(b)
		if err != nil {
			loadErr = fmt.Errorf("contracttest: loading the OpenAPI document: %w", err)
			return
		}
		if err := doc.Validate(context.Background()); err != nil {
			loadErr = fmt.Errorf("contracttest: the OpenAPI document is not valid: %w", err)
			return
		}
		d := &Document{T: doc, mux: http.NewServeMux()}
		for _, p := range doc.Paths.InMatchingOrder() {
			d.mux.HandleFunc(p, func(http.ResponseWriter, *http.Request) {})
		}
		loaded = d
	})
	return loaded, loadErr
}

// MustLoad is Load for tests.
func MustLoad(t testing.TB) *Document {
	t.Helper()
	d, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// route finds the document's path template serving a request path ("" when none does).
func (d *Document) route(r *http.Request) string {
	probe := &http.Request{Method: http.MethodGet, URL: r.URL, Host: r.Host, Header: http.Header{}}
	_, pattern := d.mux.Handler(probe)
	return pattern
}

// Validator validates exchanges and collects the mismatches.
type Validator struct {
	doc      *Document
	mu       sync.Mutex
	failures []string
	checked  int
}

// New returns a Validator of the document.
func New(doc *Document) *Validator { return &Validator{doc: doc} }

// Client makes c's transport validate every exchange and reports the mismatches as test errors
// when t ends. It returns the Validator.
func Client(t testing.TB, c *http.Client) *Validator {
	v := New(MustLoad(t))
	base := c.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	c.Transport = v.Transport(base)
	t.Cleanup(func() { v.Report(t) })
	return v
}

// Report fails t with every mismatch seen so far.
func (v *Validator) Report(t testing.TB) {
	t.Helper()
	v.mu.Lock()
	defer v.mu.Unlock()
	for _, f := range v.failures {
		t.Errorf("OpenAPI contract: %s", f)
	}
	v.failures = nil
}

// Failures returns the mismatches seen so far.
func (v *Validator) Failures() []string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return slices.Clone(v.failures)
}

// Checked returns how many exchanges were validated.
func (v *Validator) Checked() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.checked
}

func (v *Validator) fail(format string, args ...any) {
	v.mu.Lock()
	v.failures = append(v.failures, fmt.Sprintf(format, args...))
	v.mu.Unlock()
}

// Transport returns a RoundTripper that sends through base and validates each exchange.
func (v *Validator) Transport(base http.RoundTripper) http.RoundTripper {
	return roundTripper(func(req *http.Request) (*http.Response, error) {
		var reqBody []byte
		if req.Body != nil && req.Body != http.NoBody {
			b, err := io.ReadAll(req.Body)
			req.Body.Close()
			if err != nil {
				return nil, err
			}
			reqBody = b
			req.Body = io.NopCloser(bytes.NewReader(b))
		}
		resp, err := base.RoundTrip(req)
		if err != nil {
			return resp, err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(body))
		if err != nil {
			return resp, nil // the caller sees the short body; nothing to validate
		}
		v.Check(req, reqBody, resp.StatusCode, resp.Header, body)
		return resp, nil
	})
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// Check validates one exchange: the response against the operation's documented responses
// (status, headers, body), and a request the service accepted (2xx) against the operation's
// parameters and request body. A path or method the document lacks must have been answered
// with a 404 or 405 problem. Rejected requests are not validated (the suites send invalid ones on
// purpose), and an accepted body's property names are first matched to the schema's
// case-insensitively, as the service matches them (the PayEx document's own examples need it;
// JSON Schema cannot say it).
func (v *Validator) Check(req *http.Request, reqBody []byte, status int, header http.Header, body []byte) {
	v.mu.Lock()
	v.checked++
	v.mu.Unlock()
	what := fmt.Sprintf("%s %s → %d", req.Method, req.URL.RequestURI(), status)
	path := v.doc.route(req)
	if path == "" {
		if status != http.StatusNotFound {
			v.fail("%s: the path is not in the document, yet the service did not answer 404", what)
			return
		}
		v.checkSchema(what, "Problem", header, body)
		return
	}
	item := v.doc.T.Paths.Value(path)
	method := req.Method
	if method == http.MethodHead {
		method = http.MethodGet
	}
	op := item.GetOperation(method)
	if op == nil {
		if status != http.StatusMethodNotAllowed {
			v.fail("%s: %s is not documented on %s, yet the service did not answer 405", what, req.Method, path)
			return
		}
		if req.Method == http.MethodHead {
			return // an answer to HEAD has no body
		}
		schema := "Problem"
		if strings.HasPrefix(path, "/client/") {
			schema = "ConnectErrorResponse"
		}
		v.checkSchema(what, schema, header, body)
		return
	}
	clone := req.Clone(context.Background())
	clone.Body = io.NopCloser(bytes.NewReader(reqBody))
	in := &openapi3filter.RequestValidationInput{
		Request:    clone,
		PathParams: pathParams(path, req),
		Route:      &routers.Route{Spec: v.doc.T, Path: path, PathItem: item, Method: method, Operation: op},
		Options: &openapi3filter.Options{
			AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
			MultiError:         true,
		},
	}
	if status >= 200 && status < 300 && req.Method != http.MethodHead {
		v.checkRequest(what, in, op, reqBody)
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 status,
		Header:                 header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		v.fail("%s: the response does not match the document: %v\nresponse body: %s", what, err, clip(body))
	}
}

// checkSchema validates a body against a component schema.
func (v *Validator) checkSchema(what, name string, header http.Header, body []byte) {
	ref := v.doc.T.Components.Schemas[name]
	if ref == nil {
		v.fail("%s: the document has no schema %s", what, name)
		return
	}
	ct := header.Get("Content-Type")
	if name == "Problem" && !strings.HasPrefix(ct, "application/problem+json") {
		v.fail("%s: Content-Type %q, want application/problem+json", what, ct)
		return
	}
	value, err := decodeJSON(body)
	if err != nil {
		v.fail("%s: body is not JSON: %v", what, err)
		return
	}
	if err := ref.Value.VisitJSON(value, openapi3.EnableJSONSchema2020(), openapi3.MultiErrors()); err != nil {
		v.fail("%s: the body is not a %s: %v\nbody: %s", what, name, err, clip(body))
	}
}

// pathParams extracts the values of a template's {parameters} from the request path.
func pathParams(template string, req *http.Request) map[string]string {
	params := map[string]string{}
	tpl := strings.Split(strings.Trim(template, "/"), "/")
	got := strings.Split(strings.Trim(req.URL.EscapedPath(), "/"), "/")
	for i, seg := range tpl {
		if i < len(got) && strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			params[seg[1:len(seg)-1]] = got[i]
		}
	}
	return params
}

func clip(b []byte) string {
	if len(b) > 2000 {
		return string(b[:2000]) + "…"
	}
	return string(b)
}
