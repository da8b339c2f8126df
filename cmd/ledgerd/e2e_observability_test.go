package main

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/nordledger/ledger/internal/tracing"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// scrape reads /metrics into metric families.
func scrape(t *testing.T, s *testServer) map[string]*dto.MetricFamily {
	t.Helper()
	r := s.do(t, http.MethodGet, "/metrics", "", nil)
	expectStatus(t, r, http.StatusOK)
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(bytes.NewReader(r.Body))
	if err != nil {
		t.Fatalf("/metrics is not the Prometheus text format: %v", err)
	}
	return families
}

// sample returns the metric of a family whose labels include want (nil when none).
func sample(families map[string]*dto.MetricFamily, name string, want map[string]string) *dto.Metric {
	f := families[name]
	if f == nil {
		return nil
	}
next:
	for _, m := range f.Metric {
		labels := map[string]string{}
		for _, l := range m.Label {
			labels[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if labels[k] != v {
				continue next
			}
		}
		return m
	}
	return nil
}

// TestE2EMetricFamilies: after some requests, /metrics on the running service has every family
// with values that follow from them: requests by route pattern (never a raw path) and status
// with their latency, commands by operation and outcome, appends and group-commit sizes, the
// relay's lag, each projection's lag and the store files' sizes.
func TestE2EMetricFamilies(t *testing.T) {
	s := startServer(t)
	const route = "/ledger/customer/v1/{ledgerNo}/customers"
	expectStatus(t, s.createCustomer(t, s.token, newCustomer("4100", "Metric Person")), http.StatusCreated)
	expectStatus(t, s.createCustomer(t, s.token, newCustomer("4101", "Metric Person")), http.StatusCreated)
	expectStatus(t, s.do(t, http.MethodPost, customersPath(demoLedger), s.token, map[string]any{"customerNo": "4102"}), http.StatusBadRequest)
	expectStatus(t, s.do(t, http.MethodPatch, customersPath(demoLedger, "4100"), s.token, `{"emailAddress":"metric@example.com"}`), http.StatusOK)
	expectStatus(t, s.do(t, http.MethodGet, customersPath(demoLedger, "4100"), s.token, nil), http.StatusOK)
	expectStatus(t, s.do(t, http.MethodGet, customersPath(demoLedger, "4101"), s.token, nil), http.StatusOK)
	expectStatus(t, s.do(t, http.MethodGet, "/no/such/path", s.token, nil), http.StatusNotFound)

	var fam map[string]*dto.MetricFamily
	// the relay publishes asynchronously: wait until it has caught up
	await(t, "the relay to catch up (lag 0, published position 3)", func() (any, bool) {
		fam = scrape(t, s)
		m := sample(fam, "ledgerd_relay_lag_positions", nil)
		return []any{fam["ledgerd_relay_lag_positions"], fam["ledgerd_relay_published_position"]},
			m != nil && m.GetGauge().GetValue() == 0 && sample(fam, "ledgerd_relay_published_position", nil).GetGauge().GetValue() == 3
	})

	counter := func(name string, labels map[string]string) float64 {
		t.Helper()
		m := sample(fam, name, labels)
		if m == nil {
			t.Errorf("%s%v: missing", name, labels)
			return -1
		}
		return m.GetCounter().GetValue()
	}
	if got := counter("ledgerd_http_requests_total", map[string]string{"method": "POST", "route": route, "status": "201"}); got != 2 {
		t.Errorf("created customers counted %v, want 2", got)
	}
	if got := counter("ledgerd_http_requests_total", map[string]string{"method": "GET", "route": route + "/{customerNo}", "status": "200"}); got != 2 {
		t.Errorf("customer reads counted %v, want 2 (one route for both customers)", got)
	}
	if got := counter("ledgerd_http_requests_total", map[string]string{"route": "unmatched", "status": "404"}); got != 1 {
		t.Errorf("unmatched requests counted %v, want 1", got)
	}
	for _, m := range fam["ledgerd_http_requests_total"].GetMetric() {
		for _, l := range m.Label {
			if l.GetName() == "route" && (strings.Contains(l.GetValue(), "4100") || strings.Contains(l.GetValue(), "/no/such")) {
				t.Errorf("a raw path as a route label: %q", l.GetValue())
			}
		}
	}
	if h := sample(fam, "ledgerd_http_request_duration_seconds", map[string]string{"method": "POST", "route": route, "status": "201"}); h == nil ||
		h.GetHistogram().GetSampleCount() != 2 || h.GetHistogram().GetSampleSum() <= 0 {
		t.Errorf("latency of creates: %v", h)
	}
	if got := counter("ledgerd_commands_total", map[string]string{"command": "createCustomer", "outcome": "ok"}); got != 2 {
		t.Errorf("createCustomer ok = %v, want 2", got)
	}
	if got := counter("ledgerd_commands_total", map[string]string{"command": "createCustomer", "outcome": "validation"}); got != 1 {
		t.Errorf("createCustomer validation = %v, want 1", got)
	}
	if got := counter("ledgerd_commands_total", map[string]string{"command": "patchCustomer", "outcome": "ok"}); got != 1 {
		t.Errorf("patchCustomer ok = %v, want 1", got)
	}
	if sample(fam, "ledgerd_commands_total", map[string]string{"command": "getCustomer"}) != nil {
		t.Errorf("a read counted as a command")
	}
	appends := sample(fam, "ledgerd_eventstore_append_duration_seconds", map[string]string{"outcome": "ok"})
	if appends == nil || appends.GetHistogram().GetSampleCount() != 3 || appends.GetHistogram().GetSampleSum() <= 0 {
		t.Errorf("appends (two creates, one patch): %v", appends)
	}
	if g := sample(fam, "ledgerd_eventstore_commit_group_size", nil); g == nil ||
		g.GetHistogram().GetSampleSum() != 3 || g.GetHistogram().GetSampleCount() < 1 || g.GetHistogram().GetSampleCount() > 3 {
		t.Errorf("group commits of the three appends: %v", g)
	}
	if c := sample(fam, "ledgerd_eventstore_commit_duration_seconds", nil); c == nil || c.GetHistogram().GetSampleCount() < 1 {
		t.Errorf("commit durations: %v", c)
	}
	if m := sample(fam, "ledgerd_relay_lag_seconds", nil); m == nil || m.GetGauge().GetValue() != 0 {
		t.Errorf("relay lag seconds after catching up: %v", m)
	}
	for _, name := range []string{"customers", "audit"} {
		if m := sample(fam, "ledgerd_projection_lag_positions", map[string]string{"projection": name}); m == nil || m.GetGauge().GetValue() != 0 {
			t.Errorf("projection %s lag: %v", name, m)
		}
		if m := sample(fam, "ledgerd_projection_position", map[string]string{"projection": name}); m == nil || m.GetGauge().GetValue() != 3 {
			t.Errorf("projection %s position: %v, want 3", name, m)
		}
	}
	for _, file := range []string{"events.db", "projections.db"} {
		if m := sample(fam, "ledgerd_store_file_bytes", map[string]string{"file": file}); m == nil || m.GetGauge().GetValue() < 4096 {
			t.Errorf("store size of %s: %v", file, m)
		}
	}
}

// TestE2ETraceContext: a request's W3C traceparent continues into the events it causes — the
// audit route shows the same trace id with the service's span for the request (answered in
// traceresponse) as parent, and the NATS message carries the same in its headers; a request
// without one (or with an invalid one) starts a new trace that is recorded the same way. So it
// is whether the service records spans (an SDK tracer provider) or not (no OTEL_* configuration),
// and the request's log line carries the trace id.
func TestE2ETraceContext(t *testing.T) {
	t.Run("without tracing", func(t *testing.T) { testTraceContext(t, startServer(t, withoutTracing())) })
	t.Run("tracing", func(t *testing.T) { testTraceContext(t, startServer(t)) })
}

func testTraceContext(t *testing.T, s *testServer) {
	msgs := subscribeEvents(t, s)
	wait, cancel := waitContext(t)
	defer cancel()
	var logged []string // each request's span, as its log line names it
	defer func() {
		s.stop(t) // every request's log line is written
		for _, want := range logged {
			if !strings.Contains(s.logs.String(), want) {
				t.Errorf("no log line names the request's span: %s", want)
			}
		}
	}()

	const caller = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	const state = "vendor=abc,other=xyz"
	for _, c := range []struct {
		name, customerNo, traceparent string
		continued                     bool
	}{
		{"continued", "4200", caller, true},
		{"none", "4201", "", false},
		{"invalid", "4202", "00-00000000000000000000000000000000-00f067aa0ba902b7-01", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := s.createCustomer(t, s.token, newCustomer(c.customerNo, "Traced Person"), "traceparent", c.traceparent, "tracestate", state)
			expectStatus(t, r, http.StatusCreated)
			span := r.Header.Get("traceresponse")
			sc := tracing.Parse(span, "")
			if !sc.IsValid() {
				t.Fatalf("traceresponse %q is not a traceparent", span)
			}
			callerSC := tracing.Parse(caller, "")
			if c.continued {
				if sc.TraceID() != callerSC.TraceID() || sc.SpanID() == callerSC.SpanID() || !sc.IsSampled() {
					t.Fatalf("traceresponse %s: want trace %s with a new span, sampled as the caller's", span, callerSC.TraceID())
				}
			} else if sc.TraceID() == callerSC.TraceID() {
				t.Fatalf("traceresponse %s continues a trace it was not given", span)
			}
			wantState := ""
			if c.continued {
				wantState = state // a tracestate belongs to the trace it came with
			}
			logged = append(logged, "traceId="+sc.TraceID().String()+" spanId="+sc.SpanID().String())

			// The audit route shows the trace context on the event.
			ev := s.do(t, http.MethodGet, customersPath(demoLedger, c.customerNo, "events"), s.token, nil)
			expectStatus(t, ev, http.StatusOK)
			items, _ := ev.object(t)["items"].([]any)
			if len(items) != 1 {
				t.Fatalf("events: %s", ev)
			}
			item := items[0].(map[string]any)
			if item["traceparent"] != span || (item["tracestate"] != nil) != (wantState != "") || (wantState != "" && item["tracestate"] != wantState) {
				t.Errorf("event traceparent %v tracestate %v, want %s %q", item["traceparent"], item["tracestate"], span, wantState)
			}

			// So does its NATS message.
			select {
			case m := <-msgs:
				if m.Subject != "ledger.customer.v1.1000."+c.customerNo+".CustomerCreated" {
					t.Fatalf("message on %s", m.Subject)
				}
				if got := m.Header.Get("traceparent"); got != span {
					t.Errorf("NATS traceparent %q, want %s", got, span)
				}
				if got := m.Header.Get("ce-traceparent"); got != span {
					t.Errorf("NATS ce-traceparent %q, want %s", got, span)
				}
				if got := m.Header.Get("tracestate"); got != wantState {
					t.Errorf("NATS tracestate %q, want %q", got, wantState)
				}
			case <-wait.Done():
				t.Fatal("the event was not published by the test's deadline")
			}
		})
	}
}
