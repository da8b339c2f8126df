package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/nordledger/ledger/httpapi"
	"github.com/nordledger/ledger/internal/tracing"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// TestRequestSpans: a request's span continues the caller's W3C trace (one valid traceparent,
// the tracestate headers joined), is named by the route pattern with bounded attributes only,
// follows the caller's sampling decision, and is what traceresponse answers; two traceparent
// headers start a new trace.
func TestRequestSpans(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	h := buildHarness(t, false, func(c *httpapi.Config) {
		c.TracerProvider = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	})
	const caller = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	get := func(path string, headers ...string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, h.srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+h.token)
		for i := 0; i < len(headers); i += 2 {
			req.Header.Add(headers[i], headers[i+1])
		}
		resp, err := h.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}

	resp := get("/ledger/customer/v1/1000/customers/4711", "traceparent", caller, "tracestate", "a=1", "tracestate", "b=2")
	sc := tracing.Parse(resp.Header.Get("traceresponse"), "")
	if sc.TraceID().String() != "4bf92f3577b34da6a3ce929d0e0e4736" || !sc.IsSampled() {
		t.Fatalf("traceresponse %q does not continue the caller's trace", resp.Header.Get("traceresponse"))
	}
	ended := rec.Ended()
	if len(ended) != 1 {
		t.Fatalf("%d spans", len(ended))
	}
	sp := ended[0]
	if sp.Name() != "GET /ledger/customer/v1/{ledgerNo}/customers/{customerNo}" || sp.SpanContext().SpanID() != sc.SpanID() ||
		sp.Parent().SpanID().String() != "00f067aa0ba902b7" || sp.SpanContext().TraceState().String() != "a=1,b=2" {
		t.Errorf("span %q %v, parent %v, tracestate %q", sp.Name(), sp.SpanContext(), sp.Parent(), sp.SpanContext().TraceState())
	}
	got := map[string]string{}
	for _, a := range sp.Attributes() {
		got[string(a.Key)] = a.Value.Emit()
		if strings.Contains(a.Value.Emit(), "4711") {
			t.Errorf("attribute %s holds the path's customer number: %q", a.Key, a.Value.Emit())
		}
	}
	if got["http.route"] != "/ledger/customer/v1/{ledgerNo}/customers/{customerNo}" || got["http.response.status_code"] != "404" ||
		got["ledger.problem"] != "customer-not-found" || got["http.request.method"] != "GET" {
		t.Errorf("attributes %v", got)
	}

	// Two traceparent headers: invalid, a new trace.
	resp = get("/ledger/customer/v1/1000/customers/4711", "traceparent", caller, "traceparent", caller)
	if sc := tracing.Parse(resp.Header.Get("traceresponse"), ""); !sc.IsValid() || sc.TraceID().String() == "4bf92f3577b34da6a3ce929d0e0e4736" {
		t.Errorf("two traceparents: traceresponse %q", resp.Header.Get("traceresponse"))
	}
	// A caller that did not sample: neither does the service (parent-based sampling), and says so.
	before := len(rec.Ended())
	resp = get("/ledger/customer/v1/1000/customers/4711", "traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00")
	if sc := tracing.Parse(resp.Header.Get("traceresponse"), ""); !sc.IsValid() || sc.IsSampled() || len(rec.Ended()) != before {
		t.Errorf("unsampled caller: traceresponse %q, %d spans recorded", resp.Header.Get("traceresponse"), len(rec.Ended())-before)
	}
	// A request no route matches is named by its method alone.
	get("/no/such/route")
	if last := rec.Ended()[len(rec.Ended())-1]; last.Name() != "GET" {
		t.Errorf("unmatched: span %q", last.Name())
	}
}

// TestRequestSpanTraceStateBounded: a caller's valid tracestate longer than
// tracing.MaxTraceState (32 members of up to 513 bytes fit in the headers) is cut as W3C Trace
// Context truncates it before the request's span takes it — so every span of the request, each
// exported with it, carries at most 512 bytes of it, as the events do — and one that fits is kept
// whole.
func TestRequestSpanTraceStateBounded(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	h := buildHarness(t, false, func(c *httpapi.Config) {
		c.TracerProvider = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	})
	var long []string
	for i := range 32 {
		long = append(long, fmt.Sprintf("%s%02d=%s", strings.Repeat("k", 250), i, strings.Repeat("v", 256)))
	}
	long[31] = "short=1"
	for _, c := range []struct{ sent, want string }{
		{strings.Join(long, ","), "short=1"},
		{"a=1,b=2", "a=1,b=2"},
	} {
		req, _ := http.NewRequest(http.MethodGet, h.srv.URL+"/ledger/customer/v1/1000/customers/4711", nil)
		req.Header.Set("Authorization", "Bearer "+h.token)
		req.Header.Set("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
		req.Header.Set("tracestate", c.sent)
		resp, err := h.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		ended := rec.Ended()
		sp := ended[len(ended)-1]
		if got := sp.SpanContext().TraceState().String(); got != c.want || sp.SpanContext().TraceID().String() != "4bf92f3577b34da6a3ce929d0e0e4736" {
			t.Errorf("tracestate of %d bytes sent: the span's (%d bytes) %.60q…, want %q", len(c.sent), len(got), got, c.want)
		}
	}
}

// TestProviderCallSpans: the population register's answer and the card-verification provider's
// start, asked while a request is served, are client spans of that request's span, with the
// call's outcome and nothing of what was sent (no identifier, no customer number).
func TestProviderCallSpans(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	h := buildHarness(t, true, func(c *httpapi.Config) {
		c.TracerProvider = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	})
	h.mustDo(http.MethodPost, "/ledger/customer/v1/1000/customers", validCustomer, http.StatusCreated)
	c := "/ledger/customer/v1/1000/customers/9999"
	h.mustDo(http.MethodPost, c+"/legal-address/update-legal-address-from-population-register", "{}", http.StatusOK)
	h.mustDo(http.MethodPost, c+"/consent/recurring-card-redirect-registration",
		`{"completeUrl":"https://shop.example/ok","cancelUrl":"https://shop.example/cancel","language":"en-US"}`, http.StatusOK)

	ended := rec.Ended()
	for _, want := range []struct{ name, route string }{
		{httpapi.SpanPopulationRegister, "POST /ledger/customer/v1/{ledgerNo}/customers/{customerNo}/legal-address/update-legal-address-from-population-register"},
		{httpapi.SpanCardVerification, "POST /ledger/customer/v1/{ledgerNo}/customers/{customerNo}/consent/recurring-card-redirect-registration"},
	} {
		var call, request sdktrace.ReadOnlySpan
		for _, sp := range ended {
			switch sp.Name() {
			case want.name:
				call = sp
			case want.route:
				request = sp
			}
		}
		if call == nil || request == nil {
			t.Errorf("no span %q (or no request span %q)", want.name, want.route)
			continue
		}
		if call.Parent().SpanID() != request.SpanContext().SpanID() || call.SpanKind() != trace.SpanKindClient || call.Status().Code == codes.Error {
			t.Errorf("%s: parent %v (the request's %v), kind %v, status %v", call.Name(), call.Parent().SpanID(), request.SpanContext().SpanID(), call.SpanKind(), call.Status())
		}
		for _, a := range call.Attributes() {
			if v := a.Value.Emit(); strings.Contains(v, "19121212") || strings.Contains(v, "9999") {
				t.Errorf("%s: attribute %s = %q", call.Name(), a.Key, v)
			}
			if a.Key == "ledger.call.outcome" && a.Value.AsString() != "ok" {
				t.Errorf("%s: outcome %q", call.Name(), a.Value.AsString())
			}
		}
	}
}
