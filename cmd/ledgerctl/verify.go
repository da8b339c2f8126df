package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/eventstore/personal"
	"github.com/nordledger/ledger/internal/boltcheck"
	"github.com/nordledger/ledger/internal/datadir"
	"github.com/nordledger/ledger/projections"
)

var verifyHelp = `
Usage: ledgerctl verify [--data-dir DIR] [flags]

Checks ledgerd's data directory offline and exits 1 when anything is wrong:

  the event log (events.db): positions gap-free from 1 to the head; every
  record readable with its CRC-32C; in every stream, versions 1..n without gaps,
  each at its stream-index entry; every event id stored once; every unique key
  held by a stream with events; every event's data decodable for its type and
  schema version;

  the read models (projections.db): each projection equal, key by key, to a
  fresh rebuild from the log up to the projection's checkpoint. Differences
  name the bucket and key, never the values (they hold personal data).

A projection built by another code version, behind the log, or missing is
reported but is no failure: ledgerd rebuilds or catches up on start. ledgerd
must be stopped. The report goes to stdout (--json for a machine-readable one);
progress to stderr.

Examples:

  ledgerctl verify --data-dir /var/lib/ledgerd
  ledgerctl verify --data-dir data --projection none --json
`

type verifyFlags struct {
	dataFlags
	projection  string
	maxProblems int
	json        bool
}

// Status of a projection in the report.
const (
	statusOK       = "ok"
	statusDiffers  = "differs"     // failure: the read model is not what the log gives
	statusAhead    = "ahead"       // failure: the checkpoint is beyond the log's head
	statusNotBuilt = "not-built"   // note: ledgerd builds it on start
	statusVersion  = "old-version" // note: another code version built it; ledgerd rebuilds it on start
	statusSkipped  = "skipped"     // note: not compared (the log has problems)
	statusDamaged  = "damaged"     // failure: projections.db cannot be read; ledgerd rebuilds it on start
)

// verifyReport is verify's output.
type verifyReport struct {
	OK          bool               `json:"ok"`
	Log         logReport          `json:"log"`
	Projections []projectionReport `json:"projections"`
}

type logReport struct {
	File string `json:"file"`
	eventstore.CheckReport
	Error string `json:"error,omitempty"` // the log could not be checked at all
}

type projectionReport struct {
	Name            string                   `json:"name"`
	Status          string                   `json:"status"`
	Detail          string                   `json:"detail,omitempty"`
	Version         uint32                   `json:"version,omitempty"`    // in the file
	Checkpoint      uint64                   `json:"checkpoint,omitempty"` // in the file
	Differences     []projections.Difference `json:"differences,omitempty"`
	DifferenceCount int                      `json:"differenceCount,omitempty"`
}

func (p projectionReport) failed() bool {
	return p.Status == statusDiffers || p.Status == statusAhead || p.Status == statusDamaged
}

func runVerify(e *env, args []string) int {
	var f verifyFlags
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	f.register(fs, e)
	fs.StringVar(&f.projection, "projection", "all", "the projection to compare with a rebuild: "+projectionNames()+", all, or none (the log only)")
	fs.IntVar(&f.maxProblems, "max-problems", 20, "how many problems and differences to list (all are counted)")
	fs.BoolVar(&f.json, "json", false, "print the report as JSON")
	if code, ok := parseFlags(e, fs, verifyHelp, args); !ok {
		return code
	}
	if f.projection != "none" {
		if _, err := projections.NewSet(nil, nil).Select(f.projection); err != nil {
			return fail(e, fs, usagef("--projection: %v", err))
		}
	}
	if f.maxProblems < 1 {
		return fail(e, fs, usagef("--max-problems %d is not positive", f.maxProblems))
	}
	r, err := verifyDataDir(e, &f)
	if err != nil {
		return fail(e, fs, err)
	}
	if f.json {
		err = writeJSON(e.stdout, r)
	} else {
		err = writeVerifyReport(e.stdout, r)
	}
	switch {
	case err != nil:
		return fail(e, fs, err)
	case !r.OK:
		return exitFailure
	}
	return exitOK
}

// verifyDataDir checks the log, then the projections. An error means the check could not run (files in
// use, no key, interrupted); what it finds is in the report.
func verifyDataDir(e *env, f *verifyFlags) (*verifyReport, error) {
	r := &verifyReport{Log: logReport{File: f.path(datadir.Events)}, Projections: []projectionReport{}}
	var natID projections.NationalIDKeyFunc
	if f.projection != "none" {
		var err error
		if natID, err = f.natID(); err != nil {
			return nil, fmt.Errorf("%w\n(--projection none checks the log alone)", err)
		}
	}
	pd, closeKeys, err := f.protector()
	if err != nil {
		return nil, err
	}
	defer closeKeys()
	store, err := f.openLog()
	switch {
	case errors.Is(err, eventstore.ErrCorrupt):
		r.Log.Error = err.Error()
		r.Log.Problems = []eventstore.Problem{}
		return r, nil
	case err != nil:
		return nil, err
	}
	defer store.Close()
	if pd == nil { // no key store: name the missing file, not every sealed event as a log problem
		// (an unreadable log is the check's to report, below)
		if err := datadir.CheckSealedWithoutKeyStore(e.ctx, store, f.keyStorePath()); errors.Is(err, datadir.ErrNoKeyStore) {
			return nil, fmt.Errorf("%w\n(--key-store names another file)", err)
		}
	}
	head, err := store.Head(e.ctx)
	if err != nil {
		return nil, err
	}
	bar := newProgress(e, "verify log", head)
	r.Log.CheckReport, err = store.Check(e.ctx, eventstore.CheckOptions{
		Data: func(ev eventstore.Event) error {
			// Opens sealed members too (an erased, forgotten, event is fine); without a key store
			// a sealed event is a problem.
			_, _, err := pd.Decode(e.ctx, ev)
			return err
		},
		Progress:    func(pos, _ uint64) { bar.Update(pos) },
		MaxProblems: f.maxProblems,
	})
	bar.Finish(head)
	if err != nil {
		if e.ctx.Err() != nil {
			return nil, e.ctx.Err()
		}
		r.Log.Error = err.Error()
	}
	if f.projection != "none" {
		if r.Projections, err = verifyProjections(e, f, store, natID, pd, r.Log.OK() && r.Log.Error == ""); err != nil {
			return nil, err
		}
	}
	r.OK = r.Log.OK() && r.Log.Error == ""
	for _, p := range r.Projections {
		r.OK = r.OK && !p.failed()
	}
	return r, nil
}

// verifyProjections compares each selected projection in projections.db with a fresh rebuild up
// to its checkpoint, made in a temporary file in the data directory.
func verifyProjections(e *env, f *verifyFlags, store *eventstore.Store, natID projections.NationalIDKeyFunc, pd *personal.Protector, logOK bool) ([]projectionReport, error) {
	// bbolt panics on a damaged page: every page is read safely first, so that a damaged file is
	// reported, naming the page, instead of crashing verify.
	switch err := boltcheck.Check(f.path(datadir.Projections), f.wait); {
	case errors.Is(err, boltcheck.ErrLocked):
		return nil, errInUse(f.path(datadir.Projections))
	case err != nil:
		ps, _ := projections.NewSet(nil, natID).Select(f.projection)
		reports := make([]projectionReport, 0, len(ps))
		for _, p := range ps {
			reports = append(reports, projectionReport{Name: p.Name(), Status: statusDamaged,
				Detail: datadir.Projections + " cannot be read: " + err.Error() + "; ledgerd rebuilds it on start (or run ledgerctl rebuild)"})
		}
		return reports, nil
	}
	db, err := f.openProjections()
	if err != nil {
		return nil, err
	}
	if db != nil {
		defer db.Close()
	}
	head, _ := store.Head(e.ctx)
	ps, _ := projections.NewSet(db, natID).Protect(pd).Select(f.projection)
	var reports []projectionReport
	for _, p := range ps {
		rep := projectionReport{Name: p.Name()}
		var st projections.State
		if db != nil {
			if st, err = db.State(p.Name()); err != nil {
				return nil, fmt.Errorf("reading %s: %w", f.path(datadir.Projections), err)
			}
		}
		rep.Version, rep.Checkpoint = st.Version, st.Checkpoint
		switch {
		case !st.Built:
			rep.Status, rep.Detail = statusNotBuilt, "not in "+datadir.Projections+": ledgerd builds it on start"
		case st.Version != p.Version():
			rep.Status, rep.Detail = statusVersion, fmt.Sprintf("built by code version %d, this ledgerctl has %d: not compared; ledgerd rebuilds it on start", st.Version, p.Version())
		case st.Checkpoint > head:
			rep.Status, rep.Detail = statusAhead, fmt.Sprintf("checkpoint %d is beyond the log's head %d: the read model holds events the log lacks", st.Checkpoint, head)
		case !logOK:
			rep.Status, rep.Detail = statusSkipped, "not compared: the log has problems"
		default:
			if err := compareWithRebuild(e, f, store, db, p, natID, pd, &rep); err != nil {
				return nil, noSpaceForRebuild(f, err) // verify_space.go
			}
			if st.Checkpoint < head {
				rep.Detail = fmt.Sprintf("behind the log (checkpoint %d, head %d): compared with a rebuild to %d; ledgerd catches up on start", st.Checkpoint, head, st.Checkpoint)
			}
		}
		reports = append(reports, rep)
	}
	return reports, nil
}

// compareWithRebuild rebuilds p up to rep.Checkpoint into a temporary file and compares.
func compareWithRebuild(e *env, f *verifyFlags, store *eventstore.Store, db *projections.DB, p projections.Projection, natID projections.NationalIDKeyFunc, pd *personal.Protector, rep *projectionReport) error {
	fresh, err := f.dir().BuildFresh(e.ctx, store, natID, pd, p.Name(), rep.Checkpoint, ".verify-*", e.progress("rebuild "+p.Name()), nil)
	if err != nil {
		return fmt.Errorf("rebuilding %s to compare: %w", p.Name(), err)
	}
	defer fresh.Discard()
	rep.Differences, rep.DifferenceCount, err = projections.Compare(db, fresh.DB, fresh.Built[0], f.maxProblems)
	if err != nil {
		return err
	}
	rep.Status = statusOK
	if rep.DifferenceCount > 0 {
		rep.Status = statusDiffers
	}
	return nil
}

func writeVerifyReport(w io.Writer, r *verifyReport) error {
	ew := &errWriter{w: w}
	l := r.Log
	ew.printf("event log %s:", l.File)
	switch {
	case l.Error != "":
		ew.printf(" cannot be checked: %s\n", l.Error)
	default:
		ew.printf(" %s, head %d, %s, %s\n", quantity(l.Events, "event", "events"), l.Head, quantity(l.Streams, "stream", "streams"),
			quantity(l.Reservations, "unique key", "unique keys"))
		for _, p := range l.Problems {
			ew.printf("  %s\n", p)
		}
		if more := l.ProblemCount - len(l.Problems); more > 0 {
			ew.printf("  ... and %s (--max-problems)\n", quantity(more, "more problem", "more problems"))
		}
		if l.OK() {
			ew.printf("  ok\n")
		}
	}
	for _, p := range r.Projections {
		ew.printf("projection %s: %s", p.Name, p.Status)
		if p.Status == statusOK || p.Status == statusDiffers {
			ew.printf(" (checkpoint %d, version %d)", p.Checkpoint, p.Version)
		}
		if p.DifferenceCount > 0 {
			ew.printf(", %s from a rebuild", quantity(p.DifferenceCount, "key differs", "keys differ"))
		}
		ew.printf("\n")
		if p.Detail != "" {
			ew.printf("  %s\n", p.Detail)
		}
		for _, d := range p.Differences {
			ew.printf("  %s\n", d)
		}
		if more := p.DifferenceCount - len(p.Differences); more > 0 {
			ew.printf("  ... and %s (--max-problems)\n", quantity(more, "more difference", "more differences"))
		}
	}
	if r.OK {
		ew.printf("verify: ok\n")
	} else {
		ew.printf("verify: FAILED\n")
	}
	return ew.err
}

// errWriter keeps the first write error.
type errWriter struct {
	w   io.Writer
	err error
}

func (w *errWriter) printf(format string, args ...any) {
	if w.err == nil {
		_, w.err = fmt.Fprintf(w.w, format, args...)
	}
}
