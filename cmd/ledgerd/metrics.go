package main

import (
	"context"
	"net/http"
	"os"
	"time"

	"github.com/nordledger/ledger/internal/datadir"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metricsHandler serves /metrics in the Prometheus text format: the Go runtime and process, the
// read models' positions and lag, the store files' sizes, and (on a writer) the relay's progress
// and lag, (on a reader) the stream's last sequence — every value read when scraped — plus the
// figures observed as they happen (metrics_observe.go: requests, commands, appends).
func (m *Main) metricsHandler() http.Handler {
	reg := m.metrics.reg
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	gauge := func(name, help string, f func() float64) {
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "ledgerd", Name: name, Help: help}, f))
	}
	// source is the position the read models follow: the log's head, or a reader's stream.
	source := func() uint64 {
		if m.reader != nil {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			m.reader.info(ctx) // refresh; on failure the last value read stands
			return m.reader.lastSeq.Load()
		}
		if b := m.bus.started(); b != nil {
			return b.relay.Status().Head
		}
		return 0
	}
	projection := prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: "ledgerd", Name: "projection_position",
		Help: "Last log position a projection has applied."}, []string{"projection"})
	lag := prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: "ledgerd", Name: "projection_lag_positions",
		Help: "Events a projection has not applied yet (log head, on a reader the stream's last sequence, minus its position)."}, []string{"projection"})
	reg.MustRegister(collectorFunc(func(ch chan<- prometheus.Metric) {
		head := source()
		for name, pos := range m.runner.Positions() {
			projection.WithLabelValues(name).Set(float64(pos))
			lag.WithLabelValues(name).Set(float64(head - min(pos, head)))
		}
		projection.Collect(ch)
		lag.Collect(ch)
	}))
	files := prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: "ledgerd", Name: "store_file_bytes",
		Help: "Size of the bbolt files (events.db: the event log, on a writer; projections.db: the read models)."}, []string{"file"})
	reg.MustRegister(collectorFunc(func(ch chan<- prometheus.Metric) {
		names := []string{datadir.Projections}
		if m.store != nil {
			names = append(names, datadir.Events)
		}
		for _, name := range names {
			if fi, err := os.Stat(m.dir().File(name)); err == nil {
				files.WithLabelValues(name).Set(float64(fi.Size()))
			}
		}
		files.Collect(ch)
	}))
	if m.reader != nil {
		gauge("stream_last_sequence", "Last sequence of the JetStream stream, as last read.", func() float64 { return float64(m.reader.lastSeq.Load()) })
	} else {
		status := m.relayStatus
		gauge("log_head_position", "Last position of the event log.", func() float64 { return float64(status().Head) })
		gauge("relay_published_position", "Last log position published on NATS and acknowledged.", func() float64 { return float64(status().Published) })
		gauge("relay_lag_positions", "Events stored but not yet published on NATS.", func() float64 { return float64(status().LagPositions) })
		gauge("relay_lag_seconds", "Age of the oldest event not yet published on NATS.", func() float64 { return status().LagSeconds })
		gauge("relay_connected", "1 when the relay's NATS connection is up.", func() float64 {
			if status().Connected {
				return 1
			}
			return 0
		})
		gauge("bus_stuck", "1 while the relay or the key bus is stuck: events or keys wait and nothing is published (/readyz says why).", func() float64 {
			if m.degraded(context.Background()) != nil {
				return 1
			}
			return 0
		})
		counter := func(name, help string, f func() float64) {
			reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: "ledgerd", Name: name, Help: help}, f))
		}
		counter("log_commits_total", "Transactions (one fsync each) the event log's writer committed.", func() float64 { return float64(m.store.Stats().Commits) })
		counter("log_appends_total", "Appends the event log committed; appends/commits is the mean group-commit size.", func() float64 { return float64(m.store.Stats().Appends) })
	}
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
}

// collectorFunc is a prometheus.Collector that updates its metrics when collected.
type collectorFunc func(ch chan<- prometheus.Metric)

func (f collectorFunc) Collect(ch chan<- prometheus.Metric) { f(ch) }

// Describe is unchecked: the metrics are described by the vectors registered with them.
func (f collectorFunc) Describe(chan<- *prometheus.Desc) {}
