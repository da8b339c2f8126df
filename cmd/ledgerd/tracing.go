package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"strings"

	"go.opentelemetry.io/contrib/exporters/autoexport"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// tracingSetup is the tracing ledgerd runs with (docs/operations.md, "Tracing").
type tracingSetup struct {
	// Provider is the tracer provider to hand to every part: the SDK's exporting one, or otel's
	// no-op provider when tracing is not configured.
	Provider trace.TracerProvider
	// Exporter names what spans go to ("" when none), for the start-up log line: the value of
	// OTEL_TRACES_EXPORTER ("otlp" when only an endpoint is set).
	Exporter string
	sdk      *sdktrace.TracerProvider
}

// Shutdown exports the spans still buffered and stops the exporter (nothing without one).
func (s tracingSetup) Shutdown(ctx context.Context) error {
	if s.sdk == nil {
		return nil
	}
	return s.sdk.Shutdown(ctx)
}

// tracingConfigured reports whether the environment asks for spans to be exported, by the standard
// variables alone: not when OTEL_SDK_DISABLED is "true" or OTEL_TRACES_EXPORTER is "none"; yes
// when OTEL_TRACES_EXPORTER names an exporter, or when OTEL_EXPORTER_OTLP_ENDPOINT or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set. Nothing else turns tracing on: an SDK's default
// of exporting to localhost is no default for a service that may run without a collector.
func tracingConfigured(getenv func(string) string) (exporter string, ok bool) {
	if strings.EqualFold(strings.TrimSpace(getenv("OTEL_SDK_DISABLED")), "true") {
		return "", false
	}
	switch e := strings.TrimSpace(getenv("OTEL_TRACES_EXPORTER")); e {
	case "none":
		return "", false
	case "":
		if getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != "" {
			return "otlp", true
		}
		return "", false
	default:
		return e, true
	}
}

// tracingFromEnv sets tracing up from the standard OpenTelemetry environment variables
// (https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/). When
// tracingConfigured says no, Provider is otel's no-op provider. Otherwise the exporter is the one
// OTEL_TRACES_EXPORTER names (default otlp) as autoexport makes it — OTLP over
// OTEL_EXPORTER_OTLP_PROTOCOL (http/protobuf by default, or grpc) to OTEL_EXPORTER_OTLP_ENDPOINT,
// with the exporter's own OTEL_EXPORTER_OTLP_* settings (headers, timeout, certificates) — behind
// a batch span processor (OTEL_BSP_*), sampled as OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG
// say (default parentbased_always_on), with the resource service.name serviceName unless
// OTEL_SERVICE_NAME or OTEL_RESOURCE_ATTRIBUTES say otherwise. getenv is asked only whether
// tracing is configured; the SDK reads the process environment itself.
func tracingFromEnv(ctx context.Context, getenv func(string) string, serviceName string) (tracingSetup, error) {
	exporter, ok := tracingConfigured(getenv)
	if !ok {
		return tracingSetup{Provider: noop.NewTracerProvider()}, nil
	}
	exp, err := autoexport.NewSpanExporter(ctx)
	if err != nil {
		return tracingSetup{}, fmt.Errorf("tracing: the span exporter (OTEL_TRACES_EXPORTER %q): %w", exporter, err)
	}
	attrs := []attribute.KeyValue{attribute.String("service.name", serviceName)}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		attrs = append(attrs, attribute.String("service.version", bi.Main.Version))
	}
	// Later options win: the environment's service name and attributes over the default.
	res, err := resource.New(ctx, resource.WithAttributes(attrs...), resource.WithTelemetrySDK(), resource.WithHost(), resource.WithFromEnv())
	if err != nil && !errors.Is(err, resource.ErrPartialResource) {
		_ = exp.Shutdown(ctx)
		return tracingSetup{}, fmt.Errorf("tracing: the resource (OTEL_RESOURCE_ATTRIBUTES): %w", err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	return tracingSetup{Provider: tp, Exporter: exporter, sdk: tp}, nil
}

// startTracing sets up ledgerd's tracing: Main.TracerProvider when set, else the environment's
// configuration (tracingFromEnv). Exporting, the SDK's errors (a collector that cannot be
// reached) are logged as warnings.
func (m *Main) startTracing() error {
	if m.TracerProvider != nil {
		m.tracing = tracingSetup{Provider: m.TracerProvider}
		return nil
	}
	getenv := m.getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	setup, err := tracingFromEnv(context.Background(), getenv, "ledgerd")
	if err != nil {
		return err
	}
	m.tracing = setup
	if setup.Exporter != "" {
		log := m.log
		otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) { log.Warn("tracing: the span exporter failed", "err", err) }))
		m.log.Info("tracing: exporting spans", "exporter", setup.Exporter)
	}
	return nil
}

// stopTracing exports the spans still buffered, waiting at most the shutdown grace.
func (m *Main) stopTracing() {
	ctx, cancel := context.WithTimeout(context.Background(), m.Options.ShutdownGrace)
	defer cancel()
	if err := m.tracing.Shutdown(ctx); err != nil {
		m.log.Warn("tracing: spans not exported at shutdown", "err", err)
	}
}
