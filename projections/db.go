// Package projections builds the read models of the ledger from its events and serves them.
//
// Read models live in their own bbolt file, separate from the event log. Each projection keeps a
// checkpoint (the last applied global position) in the same transaction as its data, so applying
// is idempotent: positions at or below the checkpoint are skipped. A projection whose code
// version changed, or whose file is missing, is rebuilt from the log on start.
//
// The file is written without fsync (it is derived data): a process crash loses nothing the
// operating system already holds. At every open the file is checked and, if damaged, rebuilt
// from the log.
package projections

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"time"

	"github.com/nordledger/ledger/internal/boltcheck"
	"github.com/nordledger/ledger/internal/boltmap"
	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

var (
	bucketCheckpoints = []byte("checkpoints") // projection name → big-endian position
	bucketVersions    = []byte("versions")    // projection name → big-endian code version
	bucketState       = []byte("state")       // "clean" → present after a clean close
	keyClean          = []byte("clean")
)

// Projection is a read model built from events. Implementations must be deterministic: applying
// the same events to an empty model always gives the same model.
type Projection interface {
	// Name is the projection's stable name (its checkpoint key); renaming rebuilds it.
	Name() string
	// Version is the projection's code version: changing it rebuilds the projection on start.
	Version() uint32
	// Buckets are the top-level buckets the projection owns; a rebuild drops them.
	Buckets() [][]byte
	// Apply applies one event inside a write transaction.
	Apply(tx *bolt.Tx, e Event) error
}

// ErrLocked: the projections file is locked by another process (a running ledgerd, for one).
var ErrLocked = errors.New("projections: locked by another process")

// DB is the projections file.
type DB struct {
	db       *bolt.DB
	readOnly bool
	runner   atomic.Pointer[Runner]  // the runner applying to the file (its write-back: writeback.go)
	back     atomic.Pointer[bolt.Tx] // the runner's open write-back transaction, if any
}

// view runs fn in a read transaction once the file holds every event the read models applied:
// the runner's open write-back transaction commits first (writeback.go).
func (d *DB) view(ctx context.Context, fn func(*bolt.Tx) error) error {
	if err := d.settle(ctx); err != nil {
		return err
	}
	return d.db.View(fn)
}

// settle returns once the file holds every event the read models applied (writeback.go).
func (d *DB) settle(ctx context.Context) error {
	if r := d.runner.Load(); r != nil {
		return r.flush(ctx)
	}
	return nil
}

// OpenDB opens the projections file at path, creating it when missing. The file is checked
// (boltcheck); a damaged one is removed and created anew (the runner then rebuilds every
// projection from the log).
func OpenDB(path string) (*DB, error) {
	// Every page is read first, safely: bbolt panics on damaged pages, at Open in a goroutine
	// where nothing can recover. Skipped when the file is exactly as the last clean close left it
	// (size, modification time, device and inode: nothing wrote, truncated, replaced or copied
	// over it since; see boltcheck.MarkClean), which spares a start reading gigabytes.
	_, err := boltcheck.CheckUnlessClean(path, 2*time.Second)
	if errors.Is(err, boltcheck.ErrLocked) {
		return nil, fmt.Errorf("projections: open %s: %w", path, ErrLocked)
	}
	var db *bolt.DB
	if err == nil {
		db, err = openBolt(path)
	}
	if err != nil {
		if errors.Is(err, berrors.ErrTimeout) {
			return nil, fmt.Errorf("projections: open %s: %w", path, ErrLocked)
		}
		// Damaged derived data: start over.
		if rmErr := os.Remove(path); rmErr != nil && !os.IsNotExist(rmErr) {
			return nil, fmt.Errorf("projections: %s is damaged (%v) and cannot be removed: %w", path, err, rmErr)
		}
		if db, err = openBolt(path); err != nil {
			return nil, fmt.Errorf("projections: open %s: %w", path, err)
		}
	}
	if err := boltcheck.ForgetClean(path); err != nil { // written from now on
		db.Close()
		return nil, fmt.Errorf("projections: open %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketCheckpoints, bucketVersions, bucketState} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketState).Delete(keyClean) // dirty until Close
	})
	if err == nil {
		err = db.Sync()
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("projections: open %s: %w", path, err)
	}
	return &DB{db: db}, nil
}

// OpenReadOnly opens an existing projections file for reading only: nothing is checked, repaired
// or written, and Close leaves the file as it was. The lock is shared with other read-only users
// and keeps ledgerd out; a file ledgerd holds gives an error matching ErrLocked after timeout.
func OpenReadOnly(path string, timeout time.Duration) (d *DB, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("projections: open %s: %w", path, boltcheck.Unreadable(path, r))
		}
	}()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: timeout, ReadOnly: true})
	switch {
	case errors.Is(err, berrors.ErrTimeout):
		return nil, fmt.Errorf("projections: open %s: %w", path, ErrLocked)
	case err != nil:
		return nil, fmt.Errorf("projections: open %s: %w", path, err)
	}
	return &DB{db: db, readOnly: true}, nil
}

func openBolt(path string) (db *bolt.DB, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = boltcheck.Unreadable(path, r)
		}
	}()
	// NoGrowSync as NoSync: bbolt otherwise fsyncs the whole file each time it grows it (by 16 MiB:
	// every few seconds under writes), flushing every page written since — with the applier
	// waiting. The file is derived data and checked at every open that follows a crash.
	db, err = bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second, NoSync: true, NoGrowSync: true,
		NoFreelistSync: true, FreelistType: bolt.FreelistMapType, InitialMmapSize: boltmap.Size(path, initialMmapSize)})
	return db, err
}

// Close marks the file clean, syncs and closes it (a read-only file is only closed). An error
// wrapping boltcheck.ErrNotMarkedClean means the file was closed but could not be marked clean (a
// full disk): the next OpenDB reads every page and rebuilds the read models if they are damaged.
func (d *DB) Close() error {
	if d.readOnly {
		return d.db.Close()
	}
	var backErr error
	if r := d.runner.Load(); r != nil {
		if backErr = r.closeBack(); backErr != nil { // writeback.go
			backErr = fmt.Errorf("%w: %w", ErrBehind, backErr)
		}
	}
	// The last commit writes bbolt's free-page list too (the file is written without it), so the
	// next open reads the list instead of every page of the file to find the free ones.
	d.db.NoFreelistSync = false
	markErr := d.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketState).Put(keyClean, []byte{1}) })
	if markErr == nil {
		markErr = d.db.Sync()
	}
	path := d.db.Path()
	err := d.db.Close()
	switch {
	case err != nil:
		if markErr != nil {
			err = fmt.Errorf("%w (and marking it clean: %v)", err, markErr)
		}
		return errors.Join(err, backErr)
	case markErr != nil:
		return errors.Join(fmt.Errorf("projections: %s %w: %w", path, boltcheck.ErrNotMarkedClean, markErr), backErr)
	}
	// The file is consistent (its checkpoints are what it holds) even when backErr says the
	// last events are missing from it.
	return errors.Join(boltcheck.MarkClean(path), backErr) // the next open need not read every page
}

// Bolt returns the underlying database, for projections' queries.
func (d *DB) Bolt() *bolt.DB { return d.db }

// prepare resets every projection whose code version changed and returns each one's checkpoint.
func (d *DB) prepare(ps []Projection) (map[string]uint64, error) {
	cps := make(map[string]uint64, len(ps))
	err := d.db.Update(func(tx *bolt.Tx) error {
		versions, checkpoints := tx.Bucket(bucketVersions), tx.Bucket(bucketCheckpoints)
		for _, p := range ps {
			name := []byte(p.Name())
			v := versions.Get(name)
			if v == nil || binary.BigEndian.Uint32(v) != p.Version() {
				if err := reset(tx, p); err != nil {
					return err
				}
			}
			for _, b := range p.Buckets() {
				if _, err := tx.CreateBucketIfNotExists(b); err != nil {
					return err
				}
			}
			if c := checkpoints.Get(name); c != nil {
				cps[p.Name()] = binary.BigEndian.Uint64(c)
			}
		}
		return nil
	})
	return cps, err
}

// initialMmapSize is the address space mapped for the file at open where internal/boltmap keeps
// bbolt's own growth (32-bit systems, Windows); elsewhere the map is the file's size plus 10 GiB
// (boltmap.Size). Address space, not memory: bbolt grows its map by doubling, and each growth
// waits for every reader and copies the open write transaction's pages to the heap; a rebuild of
// a large log grew it a dozen times.
const initialMmapSize = 1 << 30
