package eventstore

import (
	"bytes"
	"context"
	"encoding/binary"

	bolt "go.etcd.io/bbolt"
)

// Read limits: a read returns at most limit events; limit ≤ 0 means DefaultReadLimit, and limits
// above MaxReadLimit are lowered to it, so no read holds an unbounded slice.
const (
	DefaultReadLimit = 512
	MaxReadLimit     = 8192
)

func clampLimit(limit int) int {
	switch {
	case limit <= 0:
		return DefaultReadLimit
	case limit > MaxReadLimit:
		return MaxReadLimit
	}
	return limit
}

// ReadAll returns up to limit events of the whole log in position order, starting at position
// from (1 is the first event). An empty result means there is nothing at or after from.
func (s *Store) ReadAll(ctx context.Context, from uint64, limit int) ([]Event, error) {
	if err := s.readable(ctx); err != nil {
		return nil, err
	}
	limit = clampLimit(limit)
	if from == 0 {
		from = 1
	}
	head := s.head.Load()
	if from > head {
		return nil, nil
	}
	if n := head - from + 1; n < uint64(limit) {
		limit = int(n)
	}
	out := make([]Event, 0, limit)
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketEvents).Cursor()
		for k, v := c.Seek(u64(from)); k != nil && len(out) < limit; k, v = c.Next() {
			e, err := decodeRecord(binary.BigEndian.Uint64(k), v)
			if err != nil {
				return err
			}
			out = append(out, e)
		}
		return nil
	})
	return out, err
}

// StreamHead returns a stream's version — its last event's — and that event's position (0, 0
// for a stream without events): one index lookup, no event read.
func (s *Store) StreamHead(ctx context.Context, stream string) (version, position uint64, err error) {
	if err := s.readable(ctx); err != nil {
		return 0, 0, err
	}
	err = s.db.View(func(tx *bolt.Tx) error {
		index := tx.Bucket(bucketStreamIndex)
		if version = streamVersion(index, stream); version > 0 {
			v := index.Get(streamIndexKey(stream, version))
			if len(v) != 8 {
				return &CorruptError{Reason: "stream index entry of " + stream + " is not a position"}
			}
			position = binary.BigEndian.Uint64(v)
		}
		return nil
	})
	return version, position, err
}

// ReadStream returns up to limit events of one stream in version order, starting at version from
// (1 is the first event). An unknown stream gives an empty result.
func (s *Store) ReadStream(ctx context.Context, stream string, from uint64, limit int) ([]Event, error) {
	if err := s.readable(ctx); err != nil {
		return nil, err
	}
	limit = clampLimit(limit)
	if from == 0 {
		from = 1
	}
	var out []Event
	prefix := streamIndexKey(stream, 0)
	prefix = prefix[:len(prefix)-8]
	err := s.db.View(func(tx *bolt.Tx) error {
		events := tx.Bucket(bucketEvents)
		c := tx.Bucket(bucketStreamIndex).Cursor()
		for k, v := c.Seek(streamIndexKey(stream, from)); k != nil && len(out) < limit && bytes.HasPrefix(k, prefix) && len(k) == len(prefix)+8; k, v = c.Next() {
			pos := binary.BigEndian.Uint64(v)
			rec := events.Get(v)
			if rec == nil {
				return &CorruptError{Position: pos, Reason: "indexed event missing from stream " + stream}
			}
			e, err := decodeRecord(pos, rec)
			if err != nil {
				return err
			}
			out = append(out, e)
		}
		return nil
	})
	return out, err
}

// StreamVersion returns the version of a stream (0 when it has no events).
func (s *Store) StreamVersion(ctx context.Context, stream string) (uint64, error) {
	if err := s.readable(ctx); err != nil {
		return 0, err
	}
	var version uint64
	err := s.db.View(func(tx *bolt.Tx) error {
		version = streamVersion(tx.Bucket(bucketStreamIndex), stream)
		return nil
	})
	return version, err
}

// ReservationHolder returns the stream holding a unique key, if any.
func (s *Store) ReservationHolder(ctx context.Context, key string) (stream string, ok bool, err error) {
	if err := s.readable(ctx); err != nil {
		return "", false, err
	}
	if !s.legacy {
		if err := loadClaims(s.db, &s.claims); err != nil { // read at open unless read-only
			return "", false, err
		}
	}
	err = s.db.View(func(tx *bolt.Tx) error {
		stream, ok = holderIn(tx, &s.claims, key)
		return nil
	})
	return stream, ok, err
}

// readable returns an error when reads cannot run: ctx ended or the store is closing.
func (s *Store) readable(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.isClosing() {
		return ErrClosed
	}
	return nil
}
