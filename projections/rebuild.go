package projections

import (
	"context"
	"encoding/binary"
	"fmt"

	"github.com/nordledger/ledger/eventstore"
	bolt "go.etcd.io/bbolt"
)

// Log is the event log a rebuild reads: *eventstore.Store implements it.
type Log interface {
	// ReadAll returns up to limit events in position order from position from.
	ReadAll(ctx context.Context, from uint64, limit int) ([]Event, error)
}

// Rebuild drops the read models of ps in db and builds them again from the log's events 1 to
// upTo: each read of eventstore.MaxReadLimit events is applied in one transaction, with the
// projections' checkpoints and code versions, so ledgerd's runner later resumes after upTo.
// progress, when set, is called after each transaction with the position reached. Rebuild is for
// files no runner is running on (offline rebuilds, and the fresh copy verify compares with). A
// log that skips a position, or ends before upTo, fails the rebuild with a *GapError.
func Rebuild(ctx context.Context, db *DB, log Log, upTo uint64, progress func(position uint64), ps ...Projection) error {
	if db.readOnly {
		return fmt.Errorf("projections: rebuild: the file is open read-only")
	}
	err := db.db.Update(func(tx *bolt.Tx) error {
		for _, p := range ps {
			if err := reset(tx, p); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("projections: rebuild: %w", err)
	}
	for next := uint64(1); next <= upTo; {
		if err := ctx.Err(); err != nil {
			return err
		}
		events, err := log.ReadAll(ctx, next, int(min(upTo-next+1, eventstore.MaxReadLimit)))
		if err != nil {
			return fmt.Errorf("projections: rebuild: reading the log at position %d: %w", next, err)
		}
		if len(events) == 0 {
			return &GapError{Projection: ps[0].Name(), Checkpoint: next - 1, Position: upTo + 1}
		}
		err = db.db.Update(func(tx *bolt.Tx) error {
			bs := beginBatches(tx, ps...)
			defer bs.end()
			for _, e := range events {
				if e.Position != next {
					return &GapError{Projection: ps[0].Name(), Checkpoint: next - 1, Position: e.Position}
				}
				for _, p := range ps {
					if err := p.Apply(tx, e); err != nil {
						return fmt.Errorf("projections: %s: event %d (%s): %w", p.Name(), e.Position, e.Type, err)
					}
				}
				next++
			}
			if err := bs.flush(tx); err != nil {
				return err
			}
			cp := binary.BigEndian.AppendUint64(nil, next-1)
			for _, p := range ps {
				if err := tx.Bucket(bucketCheckpoints).Put([]byte(p.Name()), cp); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		if progress != nil {
			progress(next - 1)
		}
	}
	return nil
}

// reset drops p's read model and checkpoint and records its code version, leaving empty buckets.
func reset(tx *bolt.Tx, p Projection) error {
	for _, b := range p.Buckets() {
		if tx.Bucket(b) != nil {
			if err := tx.DeleteBucket(b); err != nil {
				return err
			}
		}
		if _, err := tx.CreateBucket(b); err != nil {
			return err
		}
	}
	name := []byte(p.Name())
	if err := tx.Bucket(bucketCheckpoints).Delete(name); err != nil {
		return err
	}
	return tx.Bucket(bucketVersions).Put(name, binary.BigEndian.AppendUint32(nil, p.Version()))
}
