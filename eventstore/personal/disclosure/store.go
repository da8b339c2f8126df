package disclosure

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/nordledger/ledger/internal/boltcheck"
	"github.com/nordledger/ledger/internal/boltmap"
	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// The store's buckets.
var (
	bucketMeta        = []byte("meta")        // "magic", "format"
	bucketGrants      = []byte("grants")      // ledgerNo \x00 consumer → JSON of Grant
	bucketGrantLog    = []byte("grantlog")    // big-endian sequence → JSON of GrantChange
	bucketDisclosures = []byte("disclosures") // ledgerNo \x00 customerNo \x00 big-endian sequence → JSON of Record
	keyMagic          = []byte("magic")
	keyFormat         = []byte("format")
	storeMagic        = []byte("nordledger-disclosures")
)

const storeFormat = 1

// Errors of the store.
var (
	// ErrLocked: another process holds the file (a running ledgerd).
	ErrLocked = errors.New("disclosure: the store is locked by another process")
	// ErrReadOnly: a change asked of a store opened read-only.
	ErrReadOnly = errors.New("disclosure: the store is open read-only")
	// ErrDamaged: the file is empty or damaged (a failed copy or restore, a truncated file, a
	// damaged page): restore it from a backup.
	ErrDamaged = errors.New("damaged file")
	// ErrWriteFailed: the store could not be written (disk full or failing); nothing changed.
	ErrWriteFailed = errors.New("disclosure: the store could not be written")
)

// Options configure a Store. The zero value is a writable store.
type Options struct {
	// ReadOnly opens an existing file for reading only (operator tools); nothing is created.
	ReadOnly bool
	// LockTimeout bounds the wait for a file another process holds (default 2s); the error then
	// matches ErrLocked.
	LockTimeout time.Duration
}

// Store holds the grants of personal data to consumers, their history, and the record of every
// disclosure, in a bbolt file of its own. Every change is fsynced before its method returns. Safe
// for concurrent use.
type Store struct {
	db       *bolt.DB
	readOnly bool
	mapped   int // the address space bbolt mapped for the file at open (MapUse)
}

// Open opens the store at path, creating it unless read-only.
func Open(path string, opts Options) (s *Store, err error) {
	if opts.LockTimeout <= 0 {
		opts.LockTimeout = 2 * time.Second
	}
	// bbolt trusts its file: read it safely first (skipped when it is as the last clean close left
	// it), so that a damaged or truncated file is an error, not a crash; an empty one is a failed
	// copy or restore, not a new store (the grants and the record of disclosures would be gone
	// without a word).
	fi, err := os.Stat(path)
	switch {
	case err != nil && (opts.ReadOnly || !errors.Is(err, os.ErrNotExist)):
		return nil, fmt.Errorf("disclosure: %w", err)
	case err == nil && fi.Size() == 0:
		return nil, fmt.Errorf("disclosure: %s: %w: the file is empty, not a disclosure store (restore it from its backup)", path, ErrDamaged)
	case err == nil:
		switch _, err := boltcheck.CheckUnlessClean(path, opts.LockTimeout); {
		case errors.Is(err, boltcheck.ErrLocked):
			return nil, fmt.Errorf("disclosure: open %s: %w", path, ErrLocked)
		case err != nil:
			return nil, fmt.Errorf("disclosure: %s: %w: %w", path, ErrDamaged, err)
		}
	}
	defer func() {
		if r := recover(); r != nil { // bbolt panics on some damaged files
			err = fmt.Errorf("disclosure: %s: unreadable file: %v", path, r)
		}
	}()
	// The map has room for the file to grow (internal/boltmap): bbolt maps it anew only once every
	// read transaction has ended, and every grant and disclosure would wait for a backup whose
	// reader stalled.
	mmapSize := boltmap.Size(path, 0)
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: opts.LockTimeout, ReadOnly: opts.ReadOnly,
		InitialMmapSize: mmapSize})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("disclosure: open %s: %w", path, ErrLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("disclosure: open %s: %w", path, boltmap.Explain(err, mmapSize))
	}
	s = &Store{db: db, readOnly: opts.ReadOnly, mapped: mmapSize}
	if err := s.init(); err != nil {
		db.Close()
		return nil, fmt.Errorf("disclosure: %s: %w", path, err)
	}
	if !opts.ReadOnly {
		if err := boltcheck.ForgetClean(path); err != nil { // written from now on
			db.Close()
			return nil, fmt.Errorf("disclosure: %s: %w", path, err)
		}
	}
	return s, nil
}

func (s *Store) init() error {
	check := func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if meta == nil || !bytes.Equal(meta.Get(keyMagic), storeMagic) {
			return errors.New("not a disclosure store")
		}
		if v := meta.Get(keyFormat); len(v) != 4 || binary.BigEndian.Uint32(v) != storeFormat {
			return errors.New("unknown disclosure store format")
		}
		for _, b := range [][]byte{bucketGrants, bucketGrantLog, bucketDisclosures} {
			if tx.Bucket(b) == nil {
				return errors.New("not a disclosure store")
			}
		}
		return nil
	}
	if s.readOnly {
		return s.db.View(check)
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketMeta) == nil {
			empty := true
			_ = tx.ForEach(func([]byte, *bolt.Bucket) error { empty = false; return nil })
			if !empty {
				return errors.New("not a disclosure store")
			}
			meta, err := tx.CreateBucket(bucketMeta)
			if err != nil {
				return err
			}
			if err := meta.Put(keyMagic, storeMagic); err != nil {
				return err
			}
			if err := meta.Put(keyFormat, binary.BigEndian.AppendUint32(nil, storeFormat)); err != nil {
				return err
			}
			for _, b := range [][]byte{bucketGrants, bucketGrantLog, bucketDisclosures} {
				if _, err := tx.CreateBucket(b); err != nil {
					return err
				}
			}
		}
		return check(tx)
	})
}

// Close closes the file; a writable store's is then marked cleanly closed (an error wrapping
// boltcheck.ErrNotMarkedClean: it could not be, and the next open reads it through).
func (s *Store) Close() error {
	path := s.db.Path()
	if err := s.db.Close(); err != nil || s.readOnly {
		return err
	}
	return boltcheck.MarkClean(path) // the next open need not read every page
}

// Path returns the file's path.
func (s *Store) Path() string { return s.db.Path() }

// Backup writes a consistent copy of the store (one read transaction) to w.
func (s *Store) Backup(w io.Writer) (int64, error) {
	var n int64
	err := s.db.View(func(tx *bolt.Tx) (err error) {
		n, err = tx.WriteTo(w)
		return err
	})
	return n, err
}

// MapUse returns how much of the file the store's pages take and how much more they may take
// before bbolt must map it anew (internal/boltmap); eventstore's Store.MapUse says why it matters
// while a backup runs.
func (s *Store) MapUse() (boltmap.Use, error) { return boltmap.MapUse(s.db, s.mapped) }

// update runs fn in a write transaction, failing with ErrReadOnly on a read-only store and with
// an error matching ErrWriteFailed when the commit fails.
func (s *Store) update(fn func(tx *bolt.Tx) error) error {
	if s.readOnly {
		return ErrReadOnly
	}
	var fnErr error
	err := s.db.Update(func(tx *bolt.Tx) error {
		fnErr = fn(tx)
		return fnErr
	})
	if err != nil && fnErr == nil {
		return fmt.Errorf("%w: %w", ErrWriteFailed, err)
	}
	return err
}

func u64(n uint64) []byte { return binary.BigEndian.AppendUint64(nil, n) }
