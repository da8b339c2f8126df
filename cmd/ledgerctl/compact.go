package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

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

type compactFlags struct {
	dataFlags
	json bool
}

type compactSummary struct {
	File   string `json:"file"`
	Before int64  `json:"bytesBefore"`
	After  int64  `json:"bytesAfter"`
	Head   uint64 `json:"head"`
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
	if f.json {
		err = writeJSON(e.stdout, sum)
	} else {
		_, err = fmt.Fprintf(e.stdout, "compacted %s: %d → %d bytes, head %d\n", sum.File, sum.Before, sum.After, sum.Head)
	}
	if err != nil {
		return fail(e, fs, err)
	}
	return exitOK
}

func compact(f *compactFlags) (sum compactSummary, err error) {
	path := f.path(eventsFile)
	sum.File = path
	st, err := os.Stat(path)
	if err != nil {
		return sum, fmt.Errorf("no event log at %s: %w", path, err)
	}
	sum.Before = st.Size()
	// Held exclusively, so no ledgerd starts on the file meanwhile.
	src, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: f.wait})
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
	err = bolt.Compact(dst, src, 64<<20)
	if err == nil {
		err = dst.Sync()
	}
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		sum.Head, err = checkCopy(tmp, "events")
	}
	if err != nil {
		os.Remove(tmp)
		return sum, fmt.Errorf("compacting %s: %w", path, err)
	}
	if err := replace(tmp, path); err != nil {
		return sum, err
	}
	if st, err := os.Stat(path); err == nil {
		sum.After = st.Size()
	}
	return sum, nil
}
