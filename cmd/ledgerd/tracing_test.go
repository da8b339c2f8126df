package main

import (
	"context"
	"testing"

	"github.com/nordledger/ledger/internal/tracing"
)

// TestTracingConfigured: the standard variables alone turn tracing on — an OTLP endpoint, or an
// exporter named — and off: none of them, OTEL_TRACES_EXPORTER=none, OTEL_SDK_DISABLED=true.
func TestTracingConfigured(t *testing.T) {
	for _, c := range []struct {
		env      map[string]string
		exporter string
		on       bool
	}{
		{nil, "", false},
		{map[string]string{"OTEL_SERVICE_NAME": "x", "OTEL_TRACES_SAMPLER": "always_on"}, "", false},
		{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, "otlp", true},
		{map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4318/v1/traces"}, "otlp", true},
		{map[string]string{"OTEL_TRACES_EXPORTER": "console"}, "console", true},
		{map[string]string{"OTEL_TRACES_EXPORTER": "otlp"}, "otlp", true},
		{map[string]string{"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, "", false},
		{map[string]string{"OTEL_SDK_DISABLED": "true", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, "", false},
	} {
		exporter, on := tracingConfigured(func(k string) string { return c.env[k] })
		if exporter != c.exporter || on != c.on {
			t.Errorf("%v: %q %v, want %q %v", c.env, exporter, on, c.exporter, c.on)
		}
	}
	// Not configured: the no-op provider, which records nothing.
	setup, err := tracingFromEnv(context.Background(), func(string) string { return "" }, "ledgerd")
	if err != nil || tracing.Enabled(setup.Provider) || setup.Exporter != "" {
		t.Errorf("without configuration: %+v %v", setup, err)
	}
	if err := setup.Shutdown(context.Background()); err != nil {
		t.Error(err)
	}
}
