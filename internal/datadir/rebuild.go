package datadir

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"

	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/eventstore/personal"
	"github.com/nordledger/ledger/internal/boltcheck"
	"github.com/nordledger/ledger/projections"
)

// RebuildGCPercent is the garbage collector's target while read models are rebuilt, unless GOGC
// is set: a rebuild allocates fast over a live heap of a few hundred MB (the open transaction's
// pages, the data keys), and GOGC=100 spent ~10% of its CPU collecting. 200 cut CPU per event
// 9–11% for ~250 MB more peak memory (ledgerbench rebuild, 130,080 events).
const RebuildGCPercent = 200

// Progress shows a rebuild's advance: it is given the events to apply and returns what is told
// each position applied and the end.
type Progress func(total uint64) (update func(done uint64), finish func())

// Fresh is a read model rebuilt into a temporary file of the directory (BuildFresh).
type Fresh struct {
	DB   *projections.DB
	Path string
	Set  *projections.Set
	// Built are the projections rebuilt (Set.Select of the name asked for).
	Built []projections.Projection
}

// Discard closes and removes the file.
func (f *Fresh) Discard() {
	f.DB.Close()
	boltcheck.Remove(f.Path)
}

// BuildFresh rebuilds ledgerd's projections named name ("all" for every one, as Set.Select) from
// store up to position upTo into a new temporary file in the directory (its name begins with
// projections.db and pattern), opening sealed events with pd. measure, when set, is called just
// before the rebuild proper and what it returns just after (timing, profiles). On an error
// nothing is left behind.
func (d Dir) BuildFresh(ctx context.Context, store *eventstore.Store, natID projections.NationalIDKeyFunc, pd *personal.Protector,
	name string, upTo uint64, pattern string, progress Progress, measure func() func()) (f *Fresh, err error) {
	tmp, err := os.CreateTemp(d.Path, Projections+pattern)
	if err != nil {
		return nil, err
	}
	path := tmp.Name()
	tmp.Close()
	db, err := projections.OpenDB(path)
	if err != nil {
		boltcheck.Remove(path)
		return nil, err
	}
	f = &Fresh{DB: db, Path: path, Set: projections.NewSet(db, natID).Protect(pd)}
	if f.Built, err = f.Set.Select(name); err != nil {
		f.Discard()
		return nil, err
	}
	update, finish := func(uint64) {}, func() {}
	if progress != nil {
		update, finish = progress(upTo)
	}
	stop := func() {}
	if measure != nil {
		stop = measure()
	}
	restoreGC := setRebuildGC()
	err = projections.Rebuild(ctx, db, store, upTo, update, f.Built...)
	restoreGC()
	stop()
	finish()
	if err != nil {
		f.Discard()
		return nil, err
	}
	return f, nil
}

// setRebuildGC sets RebuildGCPercent (unless GOGC is set) and returns what restores the previous
// setting.
func setRebuildGC() (restore func()) {
	if os.Getenv("GOGC") != "" {
		return func() {}
	}
	old := debug.SetGCPercent(RebuildGCPercent)
	return func() { debug.SetGCPercent(old) }
}

// RebuildOptions are the choices of Rebuild.
type RebuildOptions struct {
	// Projection names the projection to rebuild, or "all".
	Projection string
	Progress   Progress
	// Measure is called just before the rebuild proper, what it returns just after.
	Measure func() func()
}

// Rebuilt describes a Rebuild.
type Rebuilt struct {
	File        string   // projections.db
	Head        uint64   // positions 1 to Head were applied
	Projections []string // rebuilt
	Kept        []string // copied unchanged from the previous file
	// Unreadable is why the previous file could not be read (it was replaced), if it could not.
	Unreadable error
}

// Rebuild rebuilds the read models offline (ledgerd stopped) from the event log into a fresh
// file next to projections.db, which then replaces projections.db in one atomic rename, synced.
// Rebuilding one projection copies the others unchanged from the current file. The log, the
// key store and the current file are held while it works; a file another process holds is an
// *InUseError.
func (d Dir) Rebuild(ctx context.Context, opts RebuildOptions) (r Rebuilt, err error) {
	key, err := d.ReadReservationKey()
	if err != nil {
		return r, err
	}
	store, err := d.OpenLogReadOnly()
	if err != nil {
		return r, err
	}
	defer store.Close()
	pd, closeKeys, err := d.ReadOnlyProtector()
	if err != nil {
		return r, err
	}
	defer closeKeys()
	r.File = d.File(Projections)
	old, err := d.OpenProjectionsReadOnly()
	if err != nil {
		if opts.Projection != "all" {
			return r, fmt.Errorf("%w\n(the other projections cannot be kept; --projection all rebuilds everything)", err)
		}
		if errors.As(err, new(*InUseError)) || errors.Is(err, os.ErrPermission) {
			return r, err
		}
		r.Unreadable = err
	}
	if old != nil {
		defer old.Close() // after the rename: ledgerd cannot start on the old file meanwhile
	}
	if r.Head, err = store.Head(ctx); err != nil {
		return r, err
	}
	fresh, err := d.BuildFresh(ctx, store, NatID(key), pd, opts.Projection, r.Head, ".rebuild-*", opts.Progress, opts.Measure)
	if err != nil {
		if ctx.Err() != nil {
			return r, fmt.Errorf("interrupted: %s is unchanged", r.File)
		}
		return r, err
	}
	if old != nil && opts.Projection != "all" {
		err = keepOthers(fresh, old, &r)
	}
	if err = errors.Join(err, fresh.DB.Close()); err != nil {
		boltcheck.Remove(fresh.Path)
		return r, err
	}
	if err = Replace(fresh.Path, r.File); err != nil {
		boltcheck.Remove(fresh.Path)
		return r, err
	}
	for _, p := range fresh.Built {
		r.Projections = append(r.Projections, p.Name())
	}
	return r, nil
}

// keepOthers copies every projection but the rebuilt one from the old file.
func keepOthers(f *Fresh, old *projections.DB, r *Rebuilt) error {
	for _, p := range f.Set.All() {
		if p == f.Built[0] {
			continue
		}
		if err := projections.CopyProjection(f.DB, old, p); err != nil {
			return fmt.Errorf("keeping %s: %w", p.Name(), err)
		}
		r.Kept = append(r.Kept, p.Name())
	}
	return nil
}

// Replace renames tmp over path (with its clean-close marker, if any) and syncs the directory,
// so the new file is in place after a crash.
func Replace(tmp, path string) error {
	if err := boltcheck.Rename(tmp, path); err != nil {
		return err
	}
	dir, err := os.Open(filepath.Dir(path))
	if err != nil {
		return err
	}
	defer dir.Close()
	return dir.Sync()
}
