package main

import (
	"errors"
	"strconv"
	"time"

	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/httpapi"
	"github.com/prometheus/client_golang/prometheus"
)

// metrics holds ledgerd's Prometheus registry and the figures observed as they happen: HTTP
// requests (httpapi.Observer), commands, and the event store's appends and group commits
// (eventstore.Observer). The figures read when scraped are registered by metricsHandler.
type metrics struct {
	reg          *prometheus.Registry
	requests     *prometheus.CounterVec
	latency      *prometheus.HistogramVec
	commands     *prometheus.CounterVec
	appends      *prometheus.HistogramVec
	groupSize    prometheus.Histogram
	commitTime   prometheus.Histogram
	commitErrors prometheus.Counter
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "ledgerd", Name: "http_requests_total",
			Help: "HTTP requests answered, by method, route pattern and status."}, []string{"method", "route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: "ledgerd", Name: "http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by method, route pattern and status.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}}, []string{"method", "route", "status"}),
		commands: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "ledgerd", Name: "commands_total",
			Help: "Commands (requests that change data), by operation id and outcome (ok, or the problem code)."}, []string{"command", "outcome"}),
		appends: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: "ledgerd", Name: "eventstore_append_duration_seconds",
			Help:    "Time from an append's call to its durable commit (group commit and fsync included), by outcome.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, 1}}, []string{"outcome"}),
		groupSize: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: "ledgerd", Name: "eventstore_commit_group_size",
			Help:    "Appends committed together in one transaction and fsync (group commit).",
			Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024}}),
		commitTime: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: "ledgerd", Name: "eventstore_commit_duration_seconds",
			Help:    "Time of one group commit's transaction and fsync.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, 1}}),
		commitErrors: prometheus.NewCounter(prometheus.CounterOpts{Namespace: "ledgerd", Name: "eventstore_commit_errors_total",
			Help: "Group commits whose transaction failed (every append in them failed)."}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.commands, m.appends, m.groupSize, m.commitTime, m.commitErrors)
	return m
}

// ObserveRequest implements httpapi.Observer.
func (m *metrics) ObserveRequest(o httpapi.RequestObservation) {
	status := strconv.Itoa(o.Status)
	m.requests.WithLabelValues(o.Method, o.Route, status).Inc()
	m.latency.WithLabelValues(o.Method, o.Route, status).Observe(o.Duration.Seconds())
	if o.Command != "" {
		m.commands.WithLabelValues(o.Command, o.Outcome).Inc()
	}
}

// ObserveAppend implements eventstore.Observer.
func (m *metrics) ObserveAppend(d time.Duration, err error) {
	m.appends.WithLabelValues(appendOutcome(err)).Observe(d.Seconds())
}

// ObserveCommit implements eventstore.Observer.
func (m *metrics) ObserveCommit(appends int, d time.Duration, err error) {
	if err != nil {
		m.commitErrors.Inc()
		return
	}
	m.groupSize.Observe(float64(appends))
	m.commitTime.Observe(d.Seconds())
}

// appendOutcome is a bounded label for an append's error.
func appendOutcome(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, eventstore.ErrWrongExpectedVersion):
		return "wrong-expected-version"
	case errors.Is(err, eventstore.ErrReservationConflict):
		return "reservation-conflict"
	case errors.Is(err, eventstore.ErrEventIDReused):
		return "event-id-reused"
	}
	return "error"
}
