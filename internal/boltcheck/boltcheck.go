// Package boltcheck checks that a bbolt file can be read without crashing the process.
//
// bbolt trusts its file: a damaged page makes it panic, sometimes in a goroutine of its own where
// no caller can recover (the free-page scan of Open with NoFreelistSync), and a page beyond the
// end of a truncated file faults. Check reads every page a reader could reach — the meta pages,
// every bucket, every key and value — in a goroutine that turns faults into panics and recovers
// them, so that a damaged file is an error and not a crash. It cannot see a value whose bytes were
// changed in place (bbolt keeps no checksums of data pages): records that need that carry their
// own (the event log's CRC-32C).
package boltcheck

import (
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// ErrLocked: another process holds the file (a writer), so it could not be checked in time.
var ErrLocked = errors.New("boltcheck: the file is locked by another process")

// Check reads the bbolt file at path read-only, waiting up to lockTimeout for a writer's lock,
// and reports the first sign of damage. A file that does not exist or is empty is no error (bbolt
// creates it).
func Check(path string, lockTimeout time.Duration) error {
	fi, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) || (err == nil && fi.Size() == 0) {
		return nil
	}
	if err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() {
		debug.SetPanicOnFault(true) // this goroutine only: a fault in the mapped file panics
		defer func() {
			if r := recover(); r != nil {
				done <- Unreadable(path, r)
			}
		}()
		done <- walk(path, fi.Size(), lockTimeout)
	}()
	return <-done
}

func walk(path string, size int64, lockTimeout time.Duration) error {
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: lockTimeout})
	if errors.Is(err, berrors.ErrTimeout) {
		return ErrLocked
	}
	if err != nil {
		return err
	}
	defer db.Close()
	return db.View(func(tx *bolt.Tx) error {
		if reach := tx.Size(); reach > size {
			return fmt.Errorf("the file has %d bytes but its pages reach byte %d: it was truncated", size, reach)
		}
		var sink byte
		err := tx.ForEach(func(_ []byte, b *bolt.Bucket) error { return walkBucket(b, &sink) })
		_ = sink
		return err
	})
}

// walkBucket touches every key and value of b and its nested buckets.
func walkBucket(b *bolt.Bucket, sink *byte) error {
	return b.ForEach(func(k, v []byte) error {
		if v == nil {
			if child := b.Bucket(k); child != nil {
				return walkBucket(child, sink)
			}
			return nil
		}
		if len(v) > 0 {
			*sink ^= v[0] ^ v[len(v)-1] // the first and last byte: every page of an overflow value is mapped
		}
		return nil
	})
}

// Unreadable is the error of the bbolt file at path that bbolt panicked on (r) while reading it,
// for Check and for callers that recover from bbolt's panics themselves: the damaged page, as
// FindDamage names it, or — when it finds none — bbolt's own words.
func Unreadable(path string, r any) error {
	var pe *PageError
	if err := FindDamage(path); errors.As(err, &pe) {
		return fmt.Errorf("damaged %w", pe)
	}
	return fmt.Errorf("unreadable page: %v", r)
}
