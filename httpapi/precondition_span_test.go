package httpapi_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/nordledger/ledger/httpapi"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// TestPreconditionRefusalIsNoErrorSpan: a write refused by its caller's If-Match or If-None-Match
// (412) is the client's condition, not a failure of the service: its command span says
// ledger.command.outcome=precondition-failed and is not an error span — for a forget (its
// If-Match and If-None-Match are checked in the command, ForgetIf) as for a change (If-None-Match,
// checked in the decision), as it already was for a change's If-Match (docs/architecture.md,
// Tracing).
func TestPreconditionRefusalIsNoErrorSpan(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	h := buildHarness(t, true, func(c *httpapi.Config) {
		c.TracerProvider = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	})
	h.mustDo(http.MethodPost, "/ledger/customer/v1/1000/customers", validCustomer, http.StatusCreated)
	customer := "/ledger/customer/v1/1000/customers/9999"
	for _, tc := range []struct{ method, path, header, value, body string }{
		{http.MethodPost, customer + "/forget", "If-Match", `"7"`, ""},
		{http.MethodPost, customer + "/forget", "If-None-Match", "*", ""},
		{http.MethodPatch, customer, "If-None-Match", "*", `{"emailAddress":"a@example.com"}`},
		{http.MethodPatch, customer, "If-Match", `"7"`, `{"emailAddress":"a@example.com"}`},
	} {
		before := len(rec.Ended())
		req, err := http.NewRequest(tc.method, h.srv.URL+tc.path, strings.NewReader(tc.body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+h.token)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(tc.header, tc.value)
		resp, err := h.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusPreconditionFailed {
			t.Fatalf("%s %s with %s: %s: %d %s, want 412", tc.method, tc.path, tc.header, tc.value, resp.StatusCode, body)
		}
		found := false
		for _, sp := range rec.Ended()[before:] {
			if !strings.HasPrefix(sp.Name(), "command ") {
				continue
			}
			found = true
			outcome := ""
			for _, a := range sp.Attributes() {
				if a.Key == "ledger.command.outcome" {
					outcome = a.Value.Emit()
				}
			}
			if outcome != "precondition-failed" || sp.Status().Code == codes.Error {
				t.Errorf("%s %s with %s: %s: span %q outcome %q, status %v; want precondition-failed, not an error",
					tc.method, tc.path, tc.header, tc.value, sp.Name(), outcome, sp.Status())
			}
		}
		if !found {
			t.Errorf("%s %s with %s: %s: no command span", tc.method, tc.path, tc.header, tc.value)
		}
	}
}
