// Package apidocs holds the service's API descriptions and serves them: the OpenAPI 3.1
// document of the HTTP API (openapi.yaml, served as JSON at /openapi.json), the AsyncAPI 3
// document of the events on NATS (asyncapi.yaml, at /asyncapi.json) and a page rendering both
// (/docs) with no external assets. The YAML files are the sources, embedded in the binary; the
// JSON is made from them once, keeping their key order and number literals.
package apidocs

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
)

//go:embed openapi.yaml
var openAPIYAML []byte

//go:embed asyncapi.yaml
var asyncAPIYAML []byte

//go:embed docs.html
var docsHTML []byte

var (
	once                   sync.Once
	openAPIJSON, asyncJSON []byte
	convErr                error
)

func convert() {
	once.Do(func() {
		if openAPIJSON, convErr = YAMLToJSON(openAPIYAML); convErr != nil {
			convErr = fmt.Errorf("apidocs: openapi.yaml: %w", convErr)
			return
		}
		if asyncJSON, convErr = YAMLToJSON(asyncAPIYAML); convErr != nil {
			convErr = fmt.Errorf("apidocs: asyncapi.yaml: %w", convErr)
		}
	})
}

// OpenAPI returns the OpenAPI document as JSON.
func OpenAPI() ([]byte, error) {
	convert()
	return openAPIJSON, convErr
}

// AsyncAPI returns the AsyncAPI document as JSON.
func AsyncAPI() ([]byte, error) {
	convert()
	return asyncJSON, convErr
}

// Paths of the documents and their page.
const (
	PathOpenAPI  = "/openapi.json"
	PathAsyncAPI = "/asyncapi.json"
	PathDocs     = "/docs"
)

// ServeOpenAPI serves the OpenAPI document.
func ServeOpenAPI(w http.ResponseWriter, r *http.Request) { serveJSON(w, OpenAPI) }

// ServeAsyncAPI serves the AsyncAPI document.
func ServeAsyncAPI(w http.ResponseWriter, r *http.Request) { serveJSON(w, AsyncAPI) }

// ServeDocs serves the page that renders both documents.
func ServeDocs(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	// Everything the page needs is inline or fetched from this service.
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'")
	w.Write(docsHTML)
}

func serveJSON(w http.ResponseWriter, doc func() ([]byte, error)) {
	b, err := doc()
	if err != nil { // the tests load both documents: never in a released binary
		http.Error(w, "the document is not available", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Access-Control-Allow-Origin", "*") // public documents, for other tools' viewers
	w.Write(b)
}

var (
	opsOnce sync.Once
	ops     map[string]operation // "METHOD path" → the operation
)

// operation is what the service itself reads from an operation of the OpenAPI document.
type operation struct {
	id    string
	query []string // the query parameters, the path item's and the operation's
}

// parameter is an OpenAPI parameter object, or a reference to one.
type parameter struct {
	Ref  string `json:"$ref"`
	Name string `json:"name"`
	In   string `json:"in"`
}

// operations indexes the document's operations once.
func operations() map[string]operation {
	opsOnce.Do(func() {
		ops = map[string]operation{}
		b, err := OpenAPI()
		if err != nil {
			return
		}
		var doc struct {
			Paths      map[string]map[string]json.RawMessage `json:"paths"`
			Components struct {
				Parameters map[string]parameter `json:"parameters"`
			} `json:"components"`
		}
		if json.Unmarshal(b, &doc) != nil {
			return
		}
		resolve := func(p parameter) parameter {
			if name, ok := strings.CutPrefix(p.Ref, "#/components/parameters/"); ok {
				return doc.Components.Parameters[name]
			}
			return p
		}
		for path, item := range doc.Paths {
			var shared []parameter
			if raw, ok := item["parameters"]; ok {
				_ = json.Unmarshal(raw, &shared)
			}
			for m, raw := range item {
				var op struct {
					OperationID string      `json:"operationId"`
					Parameters  []parameter `json:"parameters"`
				}
				if m == "parameters" || json.Unmarshal(raw, &op) != nil {
					continue
				}
				o := operation{id: op.OperationID}
				for _, p := range append(slices.Clone(shared), op.Parameters...) {
					if p = resolve(p); p.In == "query" {
						o.query = append(o.query, p.Name)
					}
				}
				ops[strings.ToUpper(m)+" "+path] = o
			}
		}
	})
	return ops
}

// OperationID returns the operationId of a method on a path of the OpenAPI document ("" when
// the document has none).
func OperationID(method, path string) string { return operations()[method+" "+path].id }

// QueryParameters returns the names of the query parameters the OpenAPI document declares for a
// method on a path (HEAD: GET's), in the document's order: the only ones the service accepts
// there. It is nil when the operation declares none, or the document has no such operation.
func QueryParameters(method, path string) []string {
	if method == http.MethodHead {
		method = http.MethodGet
	}
	return slices.Clone(operations()[method+" "+path].query)
}
