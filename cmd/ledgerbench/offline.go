package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// runSeed is the seed command: grow a data directory to --seed customers and build its read
// models, so later runs (--data-dir) start measuring at once.
func runSeed(ctx context.Context, cfg *config, stdout, stderr io.Writer) error {
	s, err := newSession(cfg, stderr)
	if err != nil {
		return err
	}
	sr, rr, err := s.seedTo(ctx, cfg.Seed)
	if err != nil {
		return err
	}
	out := struct {
		DataDir   string         `json:"dataDir"`
		Customers int            `json:"customers"`
		Seed      *seedResult    `json:"seed,omitempty"`
		Rebuild   *rebuildResult `json:"rebuild,omitempty"`
	}{s.dataDir, s.mark.Customers, sr, rr}
	b, _ := json.MarshalIndent(out, "", "  ")
	fmt.Fprintln(stdout, string(b))
	return nil
}

// runRebuild is the rebuild command: a timed full offline rebuild of a data directory's read
// models, optionally profiled.
func runRebuild(ctx context.Context, cfg *config, stdout, stderr io.Writer) error {
	load := loadAvg()
	r, err := rebuildOffline(ctx, cfg.DataDir, cfg.Projection, stderr, cfg.CPUProfile, cfg.AllocProfile)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "rebuilt %v from %d events in %.2f s: %.0f events/s; %.2f CPU s: %.0f events per CPU second (load average %s at start, %s at end)\n",
		r.Projections, r.Events, r.Seconds, r.PerSecond, r.CPUSeconds, r.PerCPUSecond, load, loadAvg())
	return nil
}

func nowUTC() time.Time { return time.Now().UTC() }
