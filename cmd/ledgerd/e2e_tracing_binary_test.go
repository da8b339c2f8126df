package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nordledger/ledger/eventstore"
	collector "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

// otlpReceiver is an OTLP/HTTP trace receiver (POST /v1/traces, protobuf), as a collector
// serves it, keeping what it receives.
type otlpReceiver struct {
	mu      sync.Mutex
	spans   map[string][]*tracepb.Span // by the resource's service.name
	srv     *httptest.Server
	invalid int
}

func startOTLPReceiver(t *testing.T) *otlpReceiver {
	t.Helper()
	o := &otlpReceiver{spans: map[string][]*tracepb.Span{}}
	o.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		var req collector.ExportTraceServiceRequest
		if err != nil || r.Method != http.MethodPost || r.URL.Path != "/v1/traces" || proto.Unmarshal(body, &req) != nil {
			o.mu.Lock()
			o.invalid++
			o.mu.Unlock()
			http.Error(w, "not an OTLP trace export", http.StatusBadRequest)
			return
		}
		o.mu.Lock()
		for _, rs := range req.ResourceSpans {
			service := ""
			for _, a := range rs.GetResource().GetAttributes() {
				if a.Key == "service.name" {
					service = a.GetValue().GetStringValue()
				}
			}
			for _, ss := range rs.ScopeSpans {
				o.spans[service] = append(o.spans[service], ss.Spans...)
			}
		}
		o.mu.Unlock()
		out, _ := proto.Marshal(&collector.ExportTraceServiceResponse{})
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.Write(out)
	}))
	t.Cleanup(o.srv.Close)
	return o
}

// names returns the names of the spans received from service in trace id.
func (o *otlpReceiver) names(service string, traceID []byte) []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []string
	for _, sp := range o.spans[service] {
		if slices.Equal(sp.TraceId, traceID) {
			out = append(out, sp.Name)
		}
	}
	return out
}

// TestE2EBinaryExportsOTLP: the binary, configured by the standard OpenTelemetry environment
// variables alone (an OTLP endpoint, a service name, a sampler), exports its spans to an OTLP
// collector: a create's trace, continuing the caller's, with the request, the command and the
// group commit, under the configured service name; the spans still buffered are exported when it
// stops.
func TestE2EBinaryExportsOTLP(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	o := startOTLPReceiver(t)
	run := startBinaryEnv(t, buildLedgerd(t), t.TempDir(), []string{
		"OTEL_EXPORTER_OTLP_ENDPOINT=" + o.srv.URL, "OTEL_SERVICE_NAME=ledgerd-e2e",
		"OTEL_TRACES_SAMPLER=parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG=1.0",
	})
	s := &testServer{base: run.base, client: &http.Client{Timeout: 30 * time.Second}}
	defer s.client.CloseIdleConnections()
	r := s.createCustomer(t, run.token, newCustomer("4400", "Exported Person"), "traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	expectStatus(t, r, http.StatusCreated)

	if err := run.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := run.cmd.Wait(); err != nil {
		t.Fatalf("ledgerd after SIGTERM: %v", err)
	}
	traceID := []byte{0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36}
	got := o.names("ledgerd-e2e", traceID)
	for _, want := range []string{"POST /ledger/customer/v1/{ledgerNo}/customers", "command createCustomer", eventstore.SpanGroup, eventstore.SpanFsync} {
		if !slices.Contains(got, want) {
			t.Errorf("no span %q exported in the caller's trace; got %q", want, got)
		}
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.invalid > 0 {
		t.Errorf("%d requests to the collector were not OTLP trace exports", o.invalid)
	}
}
