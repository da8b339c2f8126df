package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// The human table: one row per workload and concurrency.

func tableHeader() string {
	return fmt.Sprintf("%-8s %5s %10s %7s %7s %7s %8s %6s %6s %7s | %-4s %10s %7s %6s %9s | %-19s | %s",
		"workload", "conc", "req/s", "p50ms", "p90ms", "p99ms", "maxms", "errors", "srvCPU", "srvRSS",
		"ceil", "req/s", "p99ms", "ratio", "grp s/c", "NATS lag p50/p99 ms", "load avg")
}

func tableRow(l level) string {
	s := l.Service
	cpu, rss := "-", "-"
	if l.Server != nil {
		cpu, rss = fmt.Sprintf("%.2f", l.Server.CPUCores), mib(l.Server.RSS)
	}
	ceil, creq, cp99, ratio := "-", "-", "-", "-"
	if l.Ceiling != nil {
		ceil, creq, cp99, ratio = l.CeilingKind, fmt.Sprintf("%.0f", l.Ceiling.Throughput), fmt.Sprintf("%.2f", l.Ceiling.Latency.P99), fmt.Sprintf("%.2f", l.Ratio)
	}
	lag := "-"
	if l.Lag != nil {
		lag = fmt.Sprintf("%.1f/%.1f", l.Lag.Lag.P50, l.Lag.Lag.P99)
		if l.Lag.Missing > 0 {
			lag += fmt.Sprintf(" (%d unseen)", l.Lag.Missing)
		}
	}
	group := "-"
	if l.AppendsPerCommit > 0 {
		group = fmt.Sprintf("%.1f", l.AppendsPerCommit)
		if l.CeilingPerCommit > 0 {
			group += fmt.Sprintf("/%.1f", l.CeilingPerCommit)
		}
	}
	return fmt.Sprintf("%-8s %5d %10.0f %7.2f %7.2f %7.2f %8.2f %6d %6s %7s | %-4s %10s %7s %6s %9s | %-19s | %s",
		l.Workload, l.Concurrency, s.Throughput, s.Latency.P50, s.Latency.P90, s.Latency.P99, s.Latency.Max, s.errorCount(),
		cpu, rss, ceil, creq, cp99, ratio, group, lag, l.LoadAvg[0])
}

func mib(b int64) string { return fmt.Sprintf("%.0fM", float64(b)/(1<<20)) }

// summary renders the run's figures other than the levels, and the errors seen.
func summary(rep *report) string {
	var b strings.Builder
	m := rep.Machine
	fmt.Fprintf(&b, "machine: %d CPUs (%s), %d GiB, Linux %s, %s; load average at start %s\n", m.CPUs, m.CPUModel, m.MemoryGB, m.Kernel, m.Go, m.LoadAvg)
	fmt.Fprintf(&b, "target: %s\n", rep.Target)
	if s := rep.Seed; s != nil {
		fmt.Fprintf(&b, "seed (%s): customers %d..%d, %d added, %d existed, %.1f s (%.0f customers/s)\n", s.Mode, s.From, s.To-1, s.Added, s.Existing, s.Seconds, s.PerSecond)
	}
	if r := rep.Rebuild; r != nil {
		fmt.Fprintf(&b, "full rebuild (offline, %s): %d events in %.1f s = %.0f events/s (%.0f per CPU second); projections.db %s\n",
			strings.Join(r.Projections, "+"), r.Events, r.Seconds, r.PerSecond, r.PerCPUSecond, mib(r.FileBytes))
	}
	if s := rep.Startup; s != nil {
		fmt.Fprintf(&b, "start-up: %d customers, %d events: ready in %.2f s, RSS %s (anon %s, file %s), full replay: %v; NATS up with the log published after %.2f s (anon %s)\n",
			s.Customers, s.Events, s.Seconds, mib(s.RSS), mib(s.RSSAnon), mib(s.RSSFile), s.FullReplay, s.SecondsToPublished, mib(s.PublishedRSSAnon))
	}
	if c := rep.RelayCatchUp; c != nil {
		fmt.Fprintf(&b, "relay catch-up after start: %d events in %.1f s = %.0f events/s\n", c.Events, c.Seconds, c.PerSecond)
	}
	if bus := rep.Bus; bus != nil {
		fmt.Fprintf(&b, "bus ceiling (raw JetStream async publish, %d in flight): %d msgs in %.2f s = %.0f msgs/s (load %s)", 1000, bus.Ceiling.Messages, bus.Ceiling.Seconds, bus.Ceiling.PerSecond, bus.LoadAvg)
		if bus.Relay != nil {
			fmt.Fprintf(&b, "; relay with a backlog %.0f events/s: ratio %.2f", bus.Relay.PerSecond, bus.Ratio)
		}
		b.WriteString("\n")
	}
	if rep.StopSeconds > 0 {
		fmt.Fprintf(&b, "graceful stop: %.2f s\n", rep.StopSeconds)
	}
	var harness []string
	for _, l := range rep.Levels {
		if l.ClientCPUCores > 0 {
			harness = append(harness, fmt.Sprintf("%s c=%d: %.2f", l.Workload, l.Concurrency, l.ClientCPUCores))
		}
	}
	if len(harness) > 0 {
		fmt.Fprintf(&b, "harness CPU (cores, sharing the machine with ledgerd; the service's runs): %s\n", strings.Join(harness, ", "))
	}
	for _, l := range rep.Levels {
		if len(l.Service.Errors) == 0 {
			continue
		}
		keys := make([]string, 0, len(l.Service.Errors))
		for k := range l.Service.Errors {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, "errors %s c=%d: %d × %s (e.g. %s)\n", l.Workload, l.Concurrency, l.Service.Errors[k], k, l.Service.firstError[k])
		}
	}
	for _, n := range rep.Notes {
		fmt.Fprintf(&b, "note: %s\n", n)
	}
	return b.String()
}

// writeOutputs writes results.json, table.txt, chart.svg and report.html into out and prints the
// table and summary.
func writeOutputs(out string, rep *report, stdout io.Writer) error {
	var table strings.Builder
	if len(rep.Levels) > 0 {
		table.WriteString(tableHeader() + "\n")
		for _, l := range rep.Levels {
			table.WriteString(tableRow(l) + "\n")
		}
	}
	if len(rep.Scale) > 0 {
		table.WriteString(scaleTable(rep.Scale))
	}
	table.WriteString("\n" + summary(rep))
	js, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	svg := chartSVG(rep)
	files := map[string][]byte{
		"results.json": append(js, '\n'),
		"table.txt":    []byte(table.String()),
		"chart.svg":    svg,
		"report.html":  reportHTML(rep, svg, table.String()),
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(out, name), data, 0o644); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "\n%s\nwritten: %s/{results.json,table.txt,chart.svg,report.html}\n", table.String(), out)
	return nil
}
