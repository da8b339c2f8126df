package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/nordledger/ledger/internal/datadir"
	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

var compactHelp = `
Usage: ledgerctl compact [--data-dir DIR] [flags]

Rewrites ledgerd's event log (events.db) with only its live data, offline:
bbolt keeps the old contents of freed pages until it reuses them, and after a
customer is forgotten the released reservation of its national identifier (a
keyed hash, never the number itself) may linger in one. Every event stays
exactly as it was. ledgerd must be stopped. Rebuild the projections the same
way (ledgerctl rebuild writes a fresh file). See docs/data-protection.md.
`

// compactTxBytes is how much data one transaction of the copy holds (a variable for the tests).
var compactTxBytes int64 = 64 << 20

type compactFlags struct {
	dataFlags
	json bool
}

type compactSummary struct {
	File   string `json:"file"`
	Before int64  `json:"bytesBefore"`
	After  int64  `json:"bytesAfter"`
	Head   uint64 `json:"head"`
	// Kept: the copy was not smaller than the log, which was left as it was (already compact).
	Kept bool `json:"kept,omitempty"`
}

func runCompact(e *env, args []string) int {
	var f compactFlags
	fs := flag.NewFlagSet("compact", flag.ContinueOnError)
	f.register(fs, e)
	fs.BoolVar(&f.json, "json", false, "print the summary as JSON")
	if code, ok := parseFlags(e, fs, compactHelp, args); !ok {
		return code
	}
	sum, err := compact(&f)
	if err != nil {
		return fail(e, fs, err)
	}
	switch {
	case f.json:
		err = writeJSON(e.stdout, sum)
	case sum.Kept:
		_, err = fmt.Fprintf(e.stdout, "%s is compact already (%d bytes, head %d): left as it was\n", sum.File, sum.Before, sum.Head)
	default:
		_, err = fmt.Fprintf(e.stdout, "compacted %s: %d → %d bytes, head %d\n", sum.File, sum.Before, sum.After, sum.Head)
	}
	if err != nil {
		return fail(e, fs, err)
	}
	return exitOK
}

func compact(f *compactFlags) (sum compactSummary, err error) {
	path := f.path(datadir.Events)
	sum.File = path
	st, err := os.Stat(path)
	if err != nil {
		return sum, fmt.Errorf("no event log at %s: %w", path, err)
	}
	sum.Before = st.Size()
	// First the log is opened as ledgerd opens it, read-only: every page read safely (bbolt
	// panics on a damaged page and faults beyond the end of a truncated file), its layout and
	// last record checked, an empty file refused. Opened for writing unchecked, bbolt would
	// crash on a damaged log, and make an empty one (a failed copy or restore) a valid empty
	// file that ledgerd then starts a new, empty ledger over.
	check, err := f.openLog()
	if err != nil {
		return sum, err
	}
	check.Close()
	// Held exclusively, so no ledgerd starts on the file meanwhile; NoFreelistSync, as ledgerd
	// opens it, so that the open writes nothing to the file (bbolt otherwise writes a free-page
	// list into a log that has none).
	src, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: f.wait, NoFreelistSync: true})
	if errors.Is(err, berrors.ErrTimeout) {
		return sum, errInUse(path)
	}
	if err != nil {
		return sum, err
	}
	defer src.Close()
	tmp := path + ".compact"
	os.Remove(tmp)
	dst, err := bolt.Open(tmp, 0o600, &bolt.Options{Timeout: time.Second, NoFreelistSync: true})
	if err != nil {
		return sum, err
	}
	// bbolt grows a file past what its pages need, by up to AllocSize (16 MiB) at a time, so
	// that a growing database truncates and syncs its file less often. The copy is written once
	// and grows no more: without the headroom it is its pages (Compact fills every page full),
	// where the headroom had made a 65k-event log 16 MiB larger than the log it compacted.
	dst.AllocSize = 0
	err = bolt.Compact(dst, src, compactTxBytes)
	var pages int64
	if err == nil {
		err = dst.View(func(tx *bolt.Tx) error { pages = tx.Size(); return nil })
	}
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = trimTo(tmp, pages)
	}
	if err == nil {
		sum.Head, err = checkCopy(tmp, "events")
	}
	var copied os.FileInfo
	if err == nil {
		copied, err = os.Stat(tmp)
	}
	if err != nil {
		os.Remove(tmp)
		return sum, fmt.Errorf("compacting %s: %w", path, err)
	}
	if copied.Size() > sum.Before {
		// An append-only log that was compact already (a restored backup has no headroom): the
		// copy's last transaction leaves a few pages of its own free. Compaction never grows it.
		sum.Kept, sum.After = true, sum.Before
		return sum, os.Remove(tmp)
	}
	if err := datadir.Replace(tmp, path); err != nil {
		return sum, err
	}
	if st, err := os.Stat(path); err == nil {
		sum.After = st.Size()
	}
	return sum, nil
}

// trimTo cuts the file at path to size bytes, the end of its last page (bbolt leaves a spare
// page past it when it grows a file: a backup, bbolt's own WriteTo, has none either), and syncs
// it.
func trimTo(path string, size int64) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	fi, err := f.Stat()
	if err == nil && fi.Size() > size {
		err = f.Truncate(size)
	}
	if serr := f.Sync(); err == nil {
		err = serr
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
