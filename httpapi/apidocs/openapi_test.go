package apidocs_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/nordledger/ledger/httpapi/apidocs"
	"github.com/nordledger/ledger/internal/contracttest"
)

// TestOpenAPIDocument: the document is a valid OpenAPI 3.1 document (kin-openapi's validation,
// which checks every example against its schema), and every operation is named, tagged, secured
// and says where it comes from; the service's extensions are marked and tagged as such.
func TestOpenAPIDocument(t *testing.T) {
	doc := contracttest.MustLoad(t).T
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi = %q, want 3.1.0", doc.OpenAPI)
	}
	scopes := doc.Components.SecuritySchemes["bearer"].Value.Extensions["x-scopes"].(map[string]any)
	ids := map[string]string{}
	tags := map[string]bool{}
	for _, tag := range doc.Tags {
		tags[tag.Name] = true
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			where := method + " " + path
			for _, tag := range op.Tags {
				if !tags[tag] {
					t.Errorf("%s: tag %q is not one of the document's tags", where, tag)
				}
			}
			checkResponses(t, where, path, op)
			if op.OperationID == "" {
				t.Errorf("%s: no operationId", where)
			} else if other, dup := ids[op.OperationID]; dup {
				t.Errorf("%s: operationId %s also names %s", where, op.OperationID, other)
			}
			ids[op.OperationID] = where
			if len(op.Tags) == 0 || op.Summary == "" {
				t.Errorf("%s: needs a tag and a summary", where)
			}
			source, _ := op.Extensions["x-source"].(string)
			ext, _ := op.Extensions["x-extension"].(bool)
			switch source {
			case "payex-ledger-customer":
				if ext {
					t.Errorf("%s: from the PayEx document, yet x-extension", where)
				}
			case "service", "connect-client":
				if !ext || !contains(op.Tags, "Extensions") {
					t.Errorf("%s: an extension needs x-extension: true and the Extensions tag", where)
				}
			default:
				t.Errorf("%s: x-source %q is not payex-ledger-customer, connect-client or service", where, source)
			}
			if op.Security == nil {
				t.Errorf("%s: no security requirement (an empty list for public routes)", where)
				continue
			}
			for _, req := range *op.Security {
				for _, s := range req["bearer"] {
					if _, ok := scopes[s]; !ok {
						t.Errorf("%s: scope %q is not in the bearer scheme's x-scopes", where, s)
					}
				}
			}
			if strings.HasPrefix(path, "/ledger/") && (len(*op.Security) != 1 || len((*op.Security)[0]["bearer"]) != 1) {
				t.Errorf("%s: a ledger route needs the bearer scheme with exactly one scope", where)
			}
		}
	}
}

// TestOperationID: the middleware names commands by the document's operation ids.
func TestOperationID(t *testing.T) {
	if got := apidocs.OperationID("POST", "/ledger/customer/v1/{ledgerNo}/customers"); got != "createCustomer" {
		t.Errorf("OperationID(POST customers) = %q", got)
	}
	if got := apidocs.OperationID("POST", "/nowhere"); got != "" {
		t.Errorf("OperationID of an unknown route = %q", got)
	}
}

// TestYAMLToJSON: key order and number literals survive; what JSON cannot say is refused.
func TestYAMLToJSON(t *testing.T) {
	got, err := apidocs.YAMLToJSON([]byte("b: 1\na: {z: 10.00, y: [true, null, 'x', \"1\"]}\nc: &x {k: v}\nd: *x\ne: a=1&b=<2>\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"b":1,"a":{"z":10.00,"y":[true,null,"x","1"]},"c":{"k":"v"},"d":{"k":"v"},"e":"a=1&b=<2>"}`
	if string(got) != want {
		t.Errorf("got %s, want %s", got, want)
	}
	for _, bad := range []string{"a: 1\na: 2\n", "a: .inf\n", "? [1, 2]\n: x\n", "a: !!binary aGk=\n"} {
		if _, err := apidocs.YAMLToJSON([]byte(bad)); err == nil {
			t.Errorf("YAMLToJSON(%q) succeeded", bad)
		}
	}
	for _, doc := range []func() ([]byte, error){apidocs.OpenAPI, apidocs.AsyncAPI} {
		b, err := doc()
		if err != nil {
			t.Fatal(err)
		}
		var v map[string]any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatal(err)
		}
	}
}

// commonHeaders are sent on every response (httpapi's middleware), so every response declares them.
var commonHeaders = []string{"X-Correlation-ID", "traceresponse"}

// checkResponses: every response declares the common headers, and every response of a ledger
// operation Cache-Control (no-store; required, so the contract suites hold the service to it);
// every ledger operation declares the answers any ledger request can get (a bad request, no or a
// bad token, a token without the ledger or the scope, an unknown ledger or customer, a failure,
// an unavailable store), and every ledger operation that changes something (a scope other than
// customer:read and audit:read) the read replica's 421. The statuses particular to an operation
// are held to what the service answers by httpapi's TestEveryAnswerIsDocumented and by every
// end-to-end test (internal/contracttest).
func checkResponses(t *testing.T, where, path string, op *openapi3.Operation) {
	t.Helper()
	for status, ref := range op.Responses.Map() {
		for _, name := range commonHeaders {
			if _, ok := ref.Value.Headers[name]; !ok {
				t.Errorf("%s → %s: the response does not declare the header %s", where, status, name)
			}
		}
	}
	if !strings.HasPrefix(path, "/ledger/") {
		return
	}
	for status, ref := range op.Responses.Map() {
		if _, ok := ref.Value.Headers["Cache-Control"]; !ok {
			t.Errorf("%s → %s: the response does not declare Cache-Control (a ledger route's answers are no-store)", where, status)
		}
	}
	want := []string{"400", "401", "403", "404", "500", "503"}
	if op.Security != nil && len(*op.Security) == 1 {
		if scopes := (*op.Security)[0]["bearer"]; len(scopes) == 1 && scopes[0] != "customer:read" && scopes[0] != "audit:read" {
			want = append(want, "421") // a read replica serves only the reading scopes
		}
	}
	for _, status := range want {
		if op.Responses.Value(status) == nil {
			t.Errorf("%s: no %s response", where, status)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
