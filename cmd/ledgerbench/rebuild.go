package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/eventstore/commands"
	"github.com/nordledger/ledger/internal/boltcheck"
	"github.com/nordledger/ledger/internal/rebuildgc"
	"github.com/nordledger/ledger/projections"
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

// rebuildOffline rebuilds the projections of ledgerd's set named by projection ("all" for
// every one, as Set.Select) from the event log of dataDir (ledgerd stopped) into a new file that
// then replaces projections.db (with "all"; a single projection's file is left next to it, for
// measuring only): what `ledgerctl rebuild` does, timed. With cpuProfile or allocProfile set it writes those pprof profiles of the rebuild.
func rebuildOffline(ctx context.Context, dataDir, projection string, stderr io.Writer, cpuProfile, allocProfile string) (rebuildResult, error) {
	var res rebuildResult
	key, err := os.ReadFile(filepath.Join(dataDir, "reservation.key"))
	if err != nil {
		return res, fmt.Errorf("the national-identifier key: %w", err)
	}
	secret := []byte(strings.TrimSpace(string(key)))
	store, err := eventstore.Open(filepath.Join(dataDir, "events.db"), eventstore.Options{ReadOnly: true})
	if err != nil {
		return res, err
	}
	defer store.Close()
	head, err := store.Head(ctx)
	if err != nil {
		return res, err
	}
	final := filepath.Join(dataDir, "projections.db")
	tmp := final + ".ledgerbench-rebuild"
	os.Remove(tmp)
	db, err := projections.OpenDB(tmp)
	if err != nil {
		return res, err
	}
	pd, keys, err := sealing(dataDir) // the seeded and served events are sealed: opened as ledgerd does
	if err != nil {
		db.Close()
		return res, err
	}
	defer keys.Close()
	set := projections.NewSet(db, func(ledgerNo string, ni domain.NationalIdentifier) string {
		return commands.NationalIDKey(secret, ledgerNo, ni)
	}).Protect(pd)
	ps, err := set.Select(projection)
	if err != nil {
		db.Close()
		return res, err
	}
	for _, p := range ps {
		res.Projections = append(res.Projections, p.Name())
	}
	if cpuProfile != "" {
		f, err := os.Create(cpuProfile)
		if err != nil {
			db.Close()
			return res, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			db.Close()
			return res, err
		}
	}
	bar := newProgress(stderr, fmt.Sprintf("rebuilding the read models from %d events", head), "events", int64(head))
	t0, cpu0 := time.Now(), selfCPU()
	restoreGC := rebuildgc.Set()
	err = projections.Rebuild(ctx, db, store, head, func(p uint64) { bar.update(int64(p)) }, ps...)
	restoreGC()
	took, cpu := time.Since(t0), selfCPU()-cpu0
	if cpuProfile != "" {
		pprof.StopCPUProfile()
	}
	bar.finish(int64(head))
	if err == nil && allocProfile != "" {
		err = writeAllocProfile(allocProfile)
	}
	if err = errors.Join(err, db.Close()); err != nil {
		os.Remove(tmp)
		return res, err
	}
	if projection != "all" { // a partial read model: keep it apart from ledgerd's file
		final = tmp + "." + projection
	}
	if err := boltcheck.Rename(tmp, final); err != nil {
		return res, err
	}
	res.Events, res.Seconds, res.CPUSeconds = head, took.Seconds(), cpu.Seconds()
	if took > 0 {
		res.PerSecond = float64(head) / took.Seconds()
	}
	if cpu > 0 {
		res.PerCPUSecond = float64(head) / cpu.Seconds()
	}
	res.FileBytes = fileSize(final)
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
