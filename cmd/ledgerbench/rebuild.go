package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"time"

	"github.com/nordledger/ledger/internal/datadir"
)

// rebuildResult is a full offline rebuild of ledgerd's read models.
type rebuildResult struct {
	Events      uint64   `json:"events"`
	Projections []string `json:"projections"`
	Seconds     float64  `json:"seconds"`
	PerSecond   float64  `json:"eventsPerSecond"`
	// CPUSeconds is the harness's CPU time during the rebuild (user and system, all threads);
	// PerCPUSecond = Events / CPUSeconds depends much less on other processes than PerSecond.
	CPUSeconds   float64 `json:"cpuSeconds"`
	PerCPUSecond float64 `json:"eventsPerCpuSecond"`
	FileBytes    int64   `json:"projectionsFileBytes"`
}

// rebuildOffline rebuilds the projections of ledgerd's set named by projection ("all" for every
// one, as Set.Select) from the event log of dataDir (ledgerd stopped) into a new file that then
// replaces projections.db, the others kept: `ledgerctl rebuild` (datadir.Dir.Rebuild), timed.
// With cpuProfile or allocProfile set it writes those pprof profiles of the rebuild.
func rebuildOffline(ctx context.Context, dataDir, projection string, stderr io.Writer, cpuProfile, allocProfile string) (rebuildResult, error) {
	var res rebuildResult
	dir := datadir.FromEnv(dataDir, os.Getenv) // the seeded and served events are sealed: opened as ledgerd does
	dir.LockTimeout = 2 * time.Second
	var took, cpu time.Duration
	var profileErr error
	measure := func() func() {
		var prof *os.File
		if cpuProfile != "" {
			if prof, profileErr = os.Create(cpuProfile); profileErr == nil {
				if profileErr = pprof.StartCPUProfile(prof); profileErr != nil {
					prof.Close()
					prof = nil
				}
			}
		}
		t0, cpu0 := time.Now(), selfCPU()
		return func() {
			took, cpu = time.Since(t0), selfCPU()-cpu0
			if prof != nil {
				pprof.StopCPUProfile()
				profileErr = prof.Close()
			}
		}
	}
	r, err := dir.Rebuild(ctx, datadir.RebuildOptions{Projection: projection, Measure: measure,
		Progress: func(total uint64) (func(uint64), func()) {
			bar := newProgress(stderr, fmt.Sprintf("rebuilding the read models from %d events", total), "events", int64(total))
			return bar.Update, func() { bar.Finish(total) }
		}})
	if err = errors.Join(err, profileErr); err != nil {
		return res, err
	}
	if allocProfile != "" {
		if err := writeAllocProfile(allocProfile); err != nil {
			return res, err
		}
	}
	res.Projections = r.Projections
	res.Events, res.Seconds, res.CPUSeconds = r.Head, took.Seconds(), cpu.Seconds()
	if took > 0 {
		res.PerSecond = float64(r.Head) / took.Seconds()
	}
	if cpu > 0 {
		res.PerCPUSecond = float64(r.Head) / cpu.Seconds()
	}
	res.FileBytes = fileSize(r.File)
	return res, nil
}

func writeAllocProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	runtime.GC()
	return errors.Join(pprof.Lookup("allocs").WriteTo(f, 0), f.Close())
}
