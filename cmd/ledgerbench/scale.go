package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
)

// scalePoint is everything measured at one data size.
type scalePoint struct {
	Customers    int            `json:"customers"` // seeded; the create workloads add theirs
	Seed         *seedResult    `json:"seed,omitempty"`
	Rebuild      *rebuildResult `json:"rebuild,omitempty"`
	Startup      *startupInfo   `json:"startup,omitempty"`
	RelayCatchUp *catchUp       `json:"relayCatchUp,omitempty"`
	StopSeconds  float64        `json:"stopSeconds,omitempty"`
	Levels       []level        `json:"levels"`
}

// runScale is the scale command: for each size, grow the seed (ledgerd stopped), rebuild the read
// models offline (timed), start ledgerd (start-up time and memory, and whether it replayed the
// log), and measure the workloads.
func runScale(ctx context.Context, cfg *config, stdout, stderr io.Writer) (err error) {
	if cfg.URL != "" {
		return fmt.Errorf("scale runs the ledgerd it starts (it restarts it at each size): not with --url")
	}
	rep := newReport(commandLine())
	rep.Target = "ledgerd started by the harness"
	rep.Notes = append(rep.Notes, lagNotes(cfg)...)
	out, err := outDir(cfg)
	if err != nil {
		return err
	}
	s, err := newSession(cfg, stderr)
	if err != nil {
		return err
	}
	rep.DataDir = s.dataDir
	defer func() {
		if cerr := s.close(); err == nil {
			err = cerr
		}
	}()
	mini, err := startCeilingServer(ctx, s)
	if err != nil {
		return err
	}
	defer mini.stop()
	for _, size := range cfg.Sizes {
		if s.child != nil {
			d, err := s.stop()
			if err != nil {
				return err
			}
			rep.Scale[len(rep.Scale)-1].StopSeconds = d.Seconds()
		}
		pt := scalePoint{Customers: size}
		fmt.Fprintf(stderr, "— %d customers —\n", size)
		if pt.Seed, _, err = s.seedTo(ctx, size); err != nil {
			return err
		}
		r, err := rebuildOffline(ctx, s.dataDir, "all", stderr, "", "") // the full rebuild figure, every size
		if err != nil {
			return err
		}
		pt.Rebuild = &r
		if pt.Startup, pt.RelayCatchUp, err = s.start(ctx); err != nil {
			return err
		}
		fmt.Fprintln(stdout, tableHeader())
		for _, name := range cfg.Workloads {
			w, _ := workloadNamed(name)
			for _, conc := range cfg.Concurrency {
				l, err := measure(ctx, s, mini, w, conc, out)
				if err != nil {
					return err
				}
				pt.Levels = append(pt.Levels, l)
				fmt.Fprintln(stdout, tableRow(l))
			}
		}
		rep.Scale = append(rep.Scale, pt)
	}
	d, err := s.stop()
	if err != nil {
		return err
	}
	rep.Scale[len(rep.Scale)-1].StopSeconds = d.Seconds()
	rep.Finished = nowUTC()
	return writeOutputs(out, rep, stdout)
}

func scaleWorkloads(pts []scalePoint) []string {
	var names []string
	for _, p := range pts {
		for _, l := range p.Levels {
			if !slices.Contains(names, l.Workload) {
				names = append(names, l.Workload)
			}
		}
	}
	return names
}

// scaleTable renders one line per size and, for each figure, the change from the smallest size.
func scaleTable(pts []scalePoint) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%10s %9s %9s %9s %8s %8s %9s %10s %8s", "customers", "events", "rebuild/s", "startup", "RSS", "anonRSS", "NATS up", "anonRSS up", "stop")
	names := scaleWorkloads(pts)
	for _, n := range names {
		fmt.Fprintf(&b, " | %-22s", n+" req/s p50 p99 ms")
	}
	b.WriteString("\n")
	for _, p := range pts {
		st := p.Startup
		if st == nil {
			st = &startupInfo{}
		}
		rb := 0.0
		if p.Rebuild != nil {
			rb = p.Rebuild.PerSecond
		}
		fmt.Fprintf(&b, "%10d %9d %9.0f %8.2fs %8s %8s %8.2fs %10s %7.2fs", p.Customers, st.Events, rb, st.Seconds, mib(st.RSS), mib(st.RSSAnon),
			st.SecondsToPublished, mib(st.PublishedRSSAnon), p.StopSeconds)
		for _, n := range names {
			cell := "-"
			for _, l := range p.Levels {
				if l.Workload == n {
					cell = fmt.Sprintf("%.0f %.2f %.2f", l.Service.Throughput, l.Service.Latency.P50, l.Service.Latency.P99)
					if l.Concurrency != 64 {
						cell += fmt.Sprintf(" c%d", l.Concurrency)
					}
					break
				}
			}
			fmt.Fprintf(&b, " | %-22s", cell)
		}
		b.WriteString("\n")
	}
	if len(pts) > 1 {
		first, last := pts[0], pts[len(pts)-1]
		fmt.Fprintf(&b, "%d vs %d customers:", last.Customers, first.Customers)
		if first.Rebuild != nil && last.Rebuild != nil {
			fmt.Fprintf(&b, " rebuild rate %+.0f%%", change(first.Rebuild.PerSecond, last.Rebuild.PerSecond))
		}
		if first.Startup != nil && last.Startup != nil {
			fmt.Fprintf(&b, ", start-up %+.0f%%, anon RSS %+.0f%%, NATS up %+.0f%%, anon RSS then %+.0f%%", change(first.Startup.Seconds, last.Startup.Seconds),
				change(float64(first.Startup.RSSAnon), float64(last.Startup.RSSAnon)),
				change(first.Startup.SecondsToPublished, last.Startup.SecondsToPublished),
				change(float64(first.Startup.PublishedRSSAnon), float64(last.Startup.PublishedRSSAnon)))
		}
		for _, n := range names {
			a, z := levelOf(first, n), levelOf(last, n)
			if a != nil && z != nil {
				fmt.Fprintf(&b, ", %s throughput %+.0f%% p50 %+.0f%% p99 %+.0f%%", n, change(a.Service.Throughput, z.Service.Throughput),
					change(a.Service.Latency.P50, z.Service.Latency.P50), change(a.Service.Latency.P99, z.Service.Latency.P99))
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

func levelOf(p scalePoint, workload string) *level {
	for i := range p.Levels {
		if p.Levels[i].Workload == workload {
			return &p.Levels[i]
		}
	}
	return nil
}

func change(from, to float64) float64 {
	if from == 0 {
		return 0
	}
	return 100 * (to - from) / from
}
