package main

import (
	"bytes"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// TestE2ELedgerctlContinuesTrace: the ledgerctl binary, started with TRACEPARENT and TRACESTATE
// in its environment (OpenTelemetry's environment carriers: a CI job's or a script's trace),
// asks the running ledgerd in that trace — ledgerd records its span of the request as a child of
// the caller's span, with the caller's tracestate. Before, ledgerctl sent neither and each of
// its requests started a trace of its own.
func TestE2ELedgerctlContinuesTrace(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs ledgerctl")
	}
	ctl := sharedBuild(t, "ledgerctl", "../ledgerctl")
	s := startServer(t, keepSpans())
	const no = "8811"
	expectStatus(t, s.createCustomer(t, s.token, newCustomer(no, "Traced Operator")), http.StatusCreated)

	const traceID, spanID, state = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", "congo=t61rcWkgMzE"
	cmd := exec.Command(ctl, "customer", "--url", s.base, "--secret-file", filepath.Join(s.dir, "jwt-secret"),
		"--ledger", demoLedger, "--customer", no)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "LEDGERD_") && !strings.HasPrefix(kv, "TRACE") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "TRACEPARENT=00-"+traceID+"-"+spanID+"-01", "TRACESTATE="+state)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil || stderr.Len() != 0 || !strings.Contains(stdout.String(), "Traced Operator") {
		t.Fatalf("ledgerctl customer: %v\nstdout: %s\nstderr: %s", err, stdout.String(), stderr.String())
	}

	tid, _ := trace.TraceIDFromHex(traceID)
	sid, _ := trace.SpanIDFromHex(spanID)
	s.spans.await(t, "ledgerd's span of ledgerctl's request, in the caller's trace", func(spans []sdktrace.ReadOnlySpan) bool {
		for _, sp := range inTrace(spans, tid) {
			if sp.SpanKind() == trace.SpanKindServer && sp.Parent().SpanID() == sid && sp.Parent().IsRemote() &&
				sp.SpanContext().TraceState().String() == state {
				return true
			}
		}
		return false
	})
}
