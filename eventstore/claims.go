package eventstore

import (
	"bytes"
	"encoding/binary"

	"github.com/nordledger/ledger/internal/keyindex"
	bolt "go.etcd.io/bbolt"
)

// The unique keys (reservations), held in memory (internal/keyindex: why).
//
// The file keeps the claims in the order they were made: bucketClaims maps a claim number (the
// bucket's sequence, increasing, never reused) to the claiming stream and the key (new claims on
// the last leaf; a release deletes its claim). The writer finds a key's claim through a
// keyindex.Index from a digest of the key to its claim number, read when a writable store opens
// (~0.1 s per 100k keys) and changed by the transactions that change the bucket, once they
// commit. In store format 1 the reservations bucket was keyed by the key itself, a keyed hash:
// every create's claim was a random leaf, about a third of the log's pages per group of creates
// (BENCHMARKS.md, issue 20).

// claimRecord is a bucketClaims value: the stream, 0x00, the key (stream names hold no NUL).
func claimRecord(stream, key string) []byte {
	v := make([]byte, 0, len(stream)+1+len(key))
	v = append(append(v, stream...), 0)
	return append(v, key...)
}

// parseClaim splits a bucketClaims value (ok false when it has no separator).
func parseClaim(v []byte) (stream, key []byte, ok bool) {
	i := bytes.IndexByte(v, 0)
	if i < 0 {
		return nil, nil, false
	}
	return v[:i], v[i+1:], true
}

// maxClaimsHint bounds the room made for the claims at load (64M entries, ~4 GB): beyond it the
// map grows as it reads.
const maxClaimsHint = 1 << 26

// loadClaims reads the claims into index, unless it is read already.
func loadClaims(db *bolt.DB, index *keyindex.Index) error {
	if index.Loaded() {
		return nil
	}
	// Claims are numbered by the bucket's sequence and released ones deleted: the sequence
	// bounds their count (a hint, read in the transaction that reads them).
	return index.LoadView(db,
		func(tx *bolt.Tx) int { return int(min(tx.Bucket(bucketClaims).Sequence(), maxClaimsHint)) },
		func(tx *bolt.Tx, add func([]byte, uint64)) error {
			return tx.Bucket(bucketClaims).ForEach(func(k, v []byte) error {
				if _, key, ok := parseClaim(v); ok && len(k) == 8 {
					add(key, binary.BigEndian.Uint64(k))
				}
				return nil
			})
		})
}

// claimAt returns the stream of claim n if it is a claim of key (not released since, and not
// another key's digest).
func claimAt(b *bolt.Bucket, n uint64, key string) (stream []byte, ok bool) {
	s, k, ok := parseClaim(b.Get(u64(n)))
	if !ok || string(k) != key {
		return nil, false
	}
	return s, true
}

// claimsTx reads and changes the claims inside one write transaction. Its own changes are seen by
// its later look-ups and reach the index only when the transaction commits.
type claimsTx struct {
	bucket  *bolt.Bucket
	index   *keyindex.Index
	pending map[keyindex.Digest]uint64 // this transaction's changes; 0: released
}

func newClaimsTx(tx *bolt.Tx, index *keyindex.Index) *claimsTx {
	c := &claimsTx{bucket: tx.Bucket(bucketClaims), index: index}
	c.bucket.FillPercent = 1.0 // claim numbers only ever increase: pack pages full
	return c
}

// holder returns the stream holding key, the number of its claim and the key's digest (for
// release and claim).
func (c *claimsTx) holder(key string) (stream []byte, n uint64, d keyindex.Digest, ok bool) {
	d = keyindex.Of([]byte(key))
	n, ok = c.pending[d]
	if !ok {
		n, ok = c.index.Lookup(d)
	}
	if !ok || n == 0 {
		return nil, 0, d, false
	}
	stream, ok = claimAt(c.bucket, n, key)
	return stream, n, d, ok
}

// release deletes claim n, of the key whose digest is d.
func (c *claimsTx) release(d keyindex.Digest, n uint64) error {
	if err := c.bucket.Delete(u64(n)); err != nil {
		return err
	}
	c.change(d, 0)
	c.index.DeleteOnCommit(c.bucket.Tx(), d, n)
	return nil
}

// claim records that stream holds key, whose digest is d.
func (c *claimsTx) claim(stream, key string, d keyindex.Digest) error {
	n, err := c.bucket.NextSequence()
	if err != nil {
		return err
	}
	// bbolt keeps the key and value until the commit: both are fresh allocations.
	if err := c.bucket.Put(u64(n), claimRecord(stream, key)); err != nil {
		return err
	}
	c.change(d, n)
	c.index.SetOnCommit(c.bucket.Tx(), d, n)
	return nil
}

func (c *claimsTx) change(d keyindex.Digest, n uint64) {
	if c.pending == nil {
		c.pending = map[keyindex.Digest]uint64{}
	}
	c.pending[d] = n
}

// holderIn returns the stream holding key in a read transaction (index read).
func holderIn(tx *bolt.Tx, index *keyindex.Index, key string) (stream string, ok bool) {
	if legacy := tx.Bucket(bucketReservations); legacy != nil { // format 1, opened read-only
		if v := legacy.Get([]byte(key)); v != nil {
			return string(v), true
		}
		return "", false
	}
	n, ok := index.Lookup(keyindex.Of([]byte(key)))
	if !ok {
		return "", false
	}
	s, ok := claimAt(tx.Bucket(bucketClaims), n, key)
	return string(s), ok
}

// migrateReservations rewrites format 1's reservations bucket (key → stream, in key order) as
// the claims of format 2, in one transaction.
func migrateReservations(tx *bolt.Tx) error {
	old := tx.Bucket(bucketReservations)
	claims, err := tx.CreateBucket(bucketClaims)
	if err != nil {
		return err
	}
	claims.FillPercent = 1.0
	err = old.ForEach(func(k, v []byte) error {
		n, err := claims.NextSequence()
		if err != nil {
			return err
		}
		return claims.Put(u64(n), claimRecord(string(v), string(k)))
	})
	if err != nil {
		return err
	}
	return tx.DeleteBucket(bucketReservations)
}
