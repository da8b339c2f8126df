package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/nordledger/ledger/internal/boltcheck"
	"github.com/nordledger/ledger/internal/rebuildgc"
	"github.com/nordledger/ledger/projections"
)

var rebuildHelp = `
Usage: ledgerctl rebuild [--data-dir DIR] [--projection NAME|all] [flags]

Rebuilds ledgerd's read models (projections) offline from the event log: the
same projections ledgerd runs, built from every event into a fresh file next to
projections.db, which then replaces projections.db in one atomic rename. With
--projection NAME only that projection is rebuilt; the others are copied
unchanged from the current file.

ledgerd must be stopped: the command holds the event log and the projections
file while it works, and refuses when ledgerd (or anything else) holds them.
Progress goes to stderr (a bar on a terminal, a line every few seconds
otherwise); the summary to stdout, as JSON with --json.

The projections need the national-identifier key ledgerd hashes identifiers
with: <data-dir>/reservation.key unless --key-file or $LEDGERD_KEY_FILE names
another; and, to open the customers' sealed personal data, the key store
(<data-dir>/keys.db, --key-store) and the master keys ($LEDGERD_MASTER_KEY,
--master-key-file, or <data-dir>/master.key) — see docs/data-protection.md.

Examples:

  ledgerctl rebuild --data-dir /var/lib/ledgerd
  ledgerctl rebuild --data-dir data --projection customers --json
`

type rebuildFlags struct {
	dataFlags
	projection string
	json       bool
}

// rebuildSummary is what rebuild prints when done.
type rebuildSummary struct {
	File            string   `json:"file"`
	Projections     []string `json:"projections"` // rebuilt
	Kept            []string `json:"kept"`        // copied unchanged from the previous file
	Events          uint64   `json:"events"`      // positions 1 to Events were applied
	Seconds         float64  `json:"seconds"`
	EventsPerSecond float64  `json:"eventsPerSecond"`
}

func runRebuild(e *env, args []string) int {
	var f rebuildFlags
	fs := flag.NewFlagSet("rebuild", flag.ContinueOnError)
	f.register(fs, e)
	fs.StringVar(&f.projection, "projection", "all", "the projection to rebuild: "+projectionNames()+", or all")
	fs.BoolVar(&f.json, "json", false, "print the summary as JSON")
	if code, ok := parseFlags(e, fs, rebuildHelp, args); !ok {
		return code
	}
	if _, err := projections.NewSet(nil, nil).Select(f.projection); err != nil {
		return fail(e, fs, usagef("--projection: %v", err))
	}
	sum, err := rebuild(e, &f)
	if err != nil {
		return fail(e, fs, err)
	}
	if err := writeRebuildSummary(e.stdout, sum, f.json); err != nil {
		return fail(e, fs, err)
	}
	return exitOK
}

// projectionNames lists ledgerd's projections for help texts.
func projectionNames() string {
	names := projections.NewSet(nil, nil).Names()
	s := ""
	for i, n := range names {
		if i > 0 {
			s += ", "
		}
		s += n
	}
	return s
}

func rebuild(e *env, f *rebuildFlags) (sum rebuildSummary, err error) {
	natID, err := f.natID()
	if err != nil {
		return sum, err
	}
	store, err := f.openLog()
	if err != nil {
		return sum, err
	}
	defer store.Close()
	pd, closeKeys, err := f.protector()
	if err != nil {
		return sum, err
	}
	defer closeKeys()
	old, err := f.openProjections()
	if err != nil {
		if f.projection != "all" {
			return sum, fmt.Errorf("%w\n(the other projections cannot be kept; --projection all rebuilds everything)", err)
		}
		if errors.As(err, new(inUseError)) || errors.Is(err, os.ErrPermission) {
			return sum, err
		}
		fmt.Fprintf(e.stderr, "ledgerctl rebuild: the current %s is unreadable (%v); replacing it\n", projectionsFile, err)
	}
	if old != nil {
		defer old.Close() // after the rename: ledgerd cannot start on the old file meanwhile
	}
	head, err := store.Head(e.ctx)
	if err != nil {
		return sum, err
	}

	tmp, err := os.CreateTemp(f.dataDir, projectionsFile+".rebuild-*")
	if err != nil {
		return sum, err
	}
	tmpPath := tmp.Name()
	tmp.Close()
	defer func() {
		if err != nil {
			boltcheck.Remove(tmpPath)
		}
	}()
	db, err := projections.OpenDB(tmpPath)
	if err != nil {
		return sum, err
	}
	set := projections.NewSet(db, natID).Protect(pd)
	ps, _ := set.Select(f.projection)
	start := e.now()
	bar := newProgress(e, "rebuild "+f.projection, head)
	restoreGC := rebuildgc.Set()
	err = projections.Rebuild(e.ctx, db, store, head, bar.update, ps...)
	restoreGC()
	bar.finish(head)
	if err == nil && old != nil && f.projection != "all" {
		err = keepOthers(db, old, set, ps, &sum)
	}
	if err = errors.Join(err, db.Close()); err != nil {
		if e.ctx.Err() != nil {
			return sum, fmt.Errorf("interrupted: %s is unchanged", f.path(projectionsFile))
		}
		return sum, err
	}
	if err = replace(tmpPath, f.path(projectionsFile)); err != nil {
		return sum, err
	}
	elapsed := e.now().Sub(start)
	sum.File, sum.Events, sum.Seconds = f.path(projectionsFile), head, elapsed.Seconds()
	for _, p := range ps {
		sum.Projections = append(sum.Projections, p.Name())
	}
	if elapsed > 0 {
		sum.EventsPerSecond = float64(head) / elapsed.Seconds()
	}
	return sum, nil
}

// keepOthers copies every projection but the rebuilt ones from the old file.
func keepOthers(db, old *projections.DB, set *projections.Set, rebuilt []projections.Projection, sum *rebuildSummary) error {
	for _, p := range set.All() {
		if p == rebuilt[0] {
			continue
		}
		if err := projections.CopyProjection(db, old, p); err != nil {
			return fmt.Errorf("keeping %s: %w", p.Name(), err)
		}
		sum.Kept = append(sum.Kept, p.Name())
	}
	return nil
}

// replace renames tmp over path and syncs the directory, so the new file is in place after a
// crash.
func replace(tmp, path string) error {
	if err := boltcheck.Rename(tmp, path); err != nil { // with its clean-close marker, if any
		return err
	}
	dir, err := os.Open(filepath.Dir(path))
	if err != nil {
		return err
	}
	defer dir.Close()
	return dir.Sync()
}

func writeRebuildSummary(w io.Writer, s rebuildSummary, asJSON bool) error {
	if asJSON {
		if s.Kept == nil {
			s.Kept = []string{}
		}
		return writeJSON(w, s)
	}
	_, err := fmt.Fprintf(w, "rebuilt %v from %s in %s (%.0f events/s): %s\n",
		s.Projections, quantity(s.Events, "event", "events"), time.Duration(s.Seconds*float64(time.Second)).Round(time.Millisecond), s.EventsPerSecond, s.File)
	if err == nil && len(s.Kept) > 0 {
		_, err = fmt.Fprintf(w, "kept %v unchanged\n", s.Kept)
	}
	return err
}
