package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nordledger/ledger/httpapi"
	"github.com/nordledger/ledger/httpapi/cardverify"
	"github.com/nordledger/ledger/httpapi/popreg"
	"github.com/nordledger/ledger/internal/tracing"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// providers is a population register service and a card-verification provider on real HTTP
// servers, recording the headers of every request they receive.
type providers struct {
	register, card *httptest.Server
	mu             sync.Mutex
	got            map[string][]http.Header // by "register" / "card"
}

func newProviders(t *testing.T) *providers {
	p := &providers{got: map[string][]http.Header{}}
	record := func(name string, r *http.Request) {
		p.mu.Lock()
		defer p.mu.Unlock()
		p.got[name] = append(p.got[name], r.Header.Clone())
	}
	p.register = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		record("register", r)
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"nationalIdentifier": {"regNo": "19121212-1212", "countryCode": "SE"}, "name": "Tolvan Tolvansson",
 "address": {"addressee": "Tolvan Tolvansson", "streetAddress": "Tolvansgatan 12", "city": "STOCKHOLM", "zipCode": "11212", "countryCode": "SE"}}`))
	}))
	p.card = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		record("card", r)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		w.Write([]byte(`{"reference":"ref-1","redirectUrl":"https://provider.example/checkout/1"}`))
	}))
	t.Cleanup(p.register.Close)
	t.Cleanup(p.card.Close)
	return p
}

// configure points the API at the providers.
func (p *providers) configure(t *testing.T) func(*httpapi.Config) {
	return func(cfg *httpapi.Config) {
		reg, err := popreg.NewHTTP(popreg.HTTPConfig{URL: p.register.URL + "/lookup", Timeout: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		v, err := cardverify.NewHTTP(cardverify.HTTPConfig{BaseURL: p.card.URL, Token: "t",
			CallbackSecret: []byte("callback-secret-callback-secret-0123456789"), PublicURL: "https://ledger.example"})
		if err != nil {
			t.Fatal(err)
		}
		cfg.PopulationRegister = reg
		cfg.CardVerifier, cfg.CardRegistrations = v, cfg.Customers.(httpapi.CardRegistrationIndex)
	}
}

// last returns the headers of the last request the provider named received.
func (p *providers) last(t *testing.T, name string) http.Header {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.got[name]) == 0 {
		t.Fatalf("the %s received no request", name)
	}
	return p.got[name][len(p.got[name])-1]
}

const (
	providerCaller         = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	registerPath           = "/ledger/customer/v1/1000/customers/9999/legal-address/update-legal-address-from-population-register"
	cardRegistrationPath   = "/ledger/customer/v1/1000/customers/9999/consent/recurring-card-redirect-registration"
	cardRegistrationStart  = `{"completeUrl":"https://shop.example/ok","cancelUrl":"https://shop.example/cancel","language":"en-US"}`
	providerCallerBaggage  = "customer=9999"
	providerCallerTraceKey = "caller=yes"
)

// send sends a request with the caller's trace context (and baggage) and returns the
// traceresponse.
func sendTraced(t *testing.T, h *harness, path, body, tracestate string) trace.SpanContext {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, h.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+h.token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("traceparent", providerCaller)
	req.Header.Set("tracestate", tracestate)
	req.Header.Set("baggage", providerCallerBaggage)
	resp, err := h.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: %d", path, resp.StatusCode)
	}
	return tracing.Parse(resp.Header.Get("traceresponse"), "")
}

// TestProviderCallsCarryTraceContext: the population register's look-up and the
// card-verification provider's start carry W3C traceparent and tracestate — the caller's trace,
// the call's client span as the parent — so the provider continues the trace; the tracestate
// is the request's, at most 512 bytes; baggage is not passed on.
func TestProviderCallsCarryTraceContext(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	p := newProviders(t)
	h := buildHarness(t, false, p.configure(t), func(c *httpapi.Config) {
		c.TracerProvider = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	})
	h.mustDo(http.MethodPost, "/ledger/customer/v1/1000/customers", validCustomer, http.StatusCreated)
	long := providerCallerTraceKey + "," + strings.Repeat("x", 200) + "=1"
	for i := 0; len(long) < 1000; i++ {
		long += ",k" + string(rune('a'+i%26)) + string(rune('a'+i/26)) + "=" + strings.Repeat("v", 40)
	}
	bounded := tracing.BoundTraceState(long)
	for _, c := range []struct{ provider, path, body, span string }{
		{"register", registerPath, "{}", httpapi.SpanPopulationRegister},
		{"card", cardRegistrationPath, cardRegistrationStart, httpapi.SpanCardVerification},
	} {
		sendTraced(t, h, c.path, c.body, long)
		var call sdktrace.ReadOnlySpan
		for _, sp := range rec.Ended() {
			if sp.Name() == c.span {
				call = sp
			}
		}
		if call == nil {
			t.Fatalf("no span %s", c.span)
		}
		got := p.last(t, c.provider)
		sc := tracing.Parse(got.Get("traceparent"), got.Get("tracestate"))
		if !sc.IsValid() || sc.TraceID() != call.SpanContext().TraceID() || sc.TraceID().String() != "4bf92f3577b34da6a3ce929d0e0e4736" ||
			sc.SpanID() != call.SpanContext().SpanID() || !sc.IsSampled() {
			t.Errorf("%s: traceparent %q; want the trace 4bf9… with the span %s (%v) as the parent", c.provider, got.Get("traceparent"), c.span, call.SpanContext().SpanID())
		}
		if ts := got.Get("tracestate"); ts != bounded || len(ts) > tracing.MaxTraceState || !strings.HasPrefix(ts, providerCallerTraceKey) {
			t.Errorf("%s: tracestate %d bytes %.60q…; want the request's, cut to %d bytes (%d)", c.provider, len(ts), ts, tracing.MaxTraceState, len(bounded))
		}
		if b := got.Get("baggage"); b != "" {
			t.Errorf("%s: baggage %q passed on", c.provider, b)
		}
	}
}

// TestProviderCallsCarryTraceContextUntraced: with no tracer provider that records, the calls
// still carry the request's trace context — the request's span (traceresponse) as the parent —
// as the events it causes do.
func TestProviderCallsCarryTraceContextUntraced(t *testing.T) {
	p := newProviders(t)
	h := buildHarness(t, false, p.configure(t))
	h.mustDo(http.MethodPost, "/ledger/customer/v1/1000/customers", validCustomer, http.StatusCreated)
	for _, c := range []struct{ provider, path, body string }{
		{"register", registerPath, "{}"},
		{"card", cardRegistrationPath, cardRegistrationStart},
	} {
		request := sendTraced(t, h, c.path, c.body, providerCallerTraceKey)
		got := p.last(t, c.provider)
		sc := tracing.Parse(got.Get("traceparent"), got.Get("tracestate"))
		if !sc.IsValid() || sc.TraceID().String() != "4bf92f3577b34da6a3ce929d0e0e4736" || sc.SpanID() != request.SpanID() ||
			got.Get("tracestate") != providerCallerTraceKey {
			t.Errorf("%s: traceparent %q tracestate %q; want the request's span %v in the caller's trace", c.provider, got.Get("traceparent"), got.Get("tracestate"), request.SpanID())
		}
	}
}
