package main

import (
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/nordledger/ledger/internal/datadir"
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
	start := e.now()
	r, err := f.dir().Rebuild(e.ctx, datadir.RebuildOptions{Projection: f.projection, Progress: e.progress("rebuild " + f.projection)})
	if r.Unreadable != nil {
		fmt.Fprintf(e.stderr, "ledgerctl rebuild: the current %s is unreadable (%v); replacing it\n", datadir.Projections, r.Unreadable)
	}
	if err != nil {
		return sum, err
	}
	elapsed := e.now().Sub(start)
	sum = rebuildSummary{File: r.File, Projections: r.Projections, Kept: r.Kept, Events: r.Head, Seconds: elapsed.Seconds()}
	if elapsed > 0 {
		sum.EventsPerSecond = float64(r.Head) / elapsed.Seconds()
	}
	return sum, nil
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
