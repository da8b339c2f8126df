package eventstore

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// The unique keys (reservations), held in memory.
//
// Callers' keys are keyed hashes of personal values, so a B+tree keyed by them takes every claim
// on a random leaf: bbolt then reads that whole leaf, rewrites it and writes it with its branch
// pages at the commit, for one entry, and batching cannot remove it at scale (a million keys'
// tree has ~20k leaves; a group of random keys lands on a leaf per key). In store format 1 the
// reservations bucket did exactly that: about a third of the log's pages per group of creates
// (BENCHMARKS.md, issue 20).
//
// So the file keeps the claims in the order they were made: bucketClaims maps a claim number
// (the bucket's sequence, increasing) to the claiming stream and the key (new claims on the last
// leaf; a release deletes its claim). The look-up goes through claimIndex: a map from a digest of
// the key to its claim number, without pointers (the collector does not scan it; ~60 bytes per
// key), read from the bucket when a writable store opens (~0.1 s per 100k keys) and kept
// current by the transactions that change the bucket, once they commit (bolt.Tx.OnCommit: a
// transaction rolled back leaves it as it was). Every hit is checked against the stored claim,
// so the map can only ever say where to look.
type claimIndex struct {
	mu sync.RWMutex
	m  map[claimDigest]uint64 // digest of the key → claim number; nil until read
}

type claimDigest [sha256.Size]byte

func digestOf(key string) claimDigest { return sha256.Sum256([]byte(key)) }

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

// lookup returns the claim number the map holds for d.
func (x *claimIndex) lookup(d claimDigest) (uint64, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	n, ok := x.m[d]
	return n, ok
}

// loaded reports whether the map has been read.
func (x *claimIndex) loaded() bool {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.m != nil
}

// load reads the bucket into the map once. It holds the lock while it reads, so a transaction
// committing meanwhile updates the map after it (what that commit changed is then applied
// twice: the same result).
func (x *claimIndex) load(db *bolt.DB) error {
	if x.loaded() {
		return nil
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.m != nil {
		return nil
	}
	m := map[claimDigest]uint64{}
	err := db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketClaims).ForEach(func(k, v []byte) error {
			if _, key, ok := parseClaim(v); ok && len(k) == 8 {
				m[sha256.Sum256(key)] = binary.BigEndian.Uint64(k)
			}
			return nil
		})
	})
	if err != nil {
		return err
	}
	x.m = m
	return nil
}

// commit applies a transaction's changes (digest → claim number, 0 for a release) to the map.
func (x *claimIndex) commit(changes map[claimDigest]uint64) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.m == nil {
		return // read later, with these changes
	}
	for d, n := range changes {
		if n == 0 {
			delete(x.m, d)
		} else {
			x.m[d] = n
		}
	}
}

// claimsTx reads and changes the claims inside one write transaction. Its own changes are seen by
// its later look-ups and reach the map only when the transaction commits.
type claimsTx struct {
	bucket  *bolt.Bucket
	index   *claimIndex
	pending map[claimDigest]uint64 // this transaction's changes; 0: released
}

func newClaimsTx(tx *bolt.Tx, index *claimIndex) *claimsTx {
	c := &claimsTx{bucket: tx.Bucket(bucketClaims), index: index}
	c.bucket.FillPercent = 1.0 // claim numbers only ever increase: pack pages full
	return c
}

// holder returns the stream holding key and the number of its claim.
func (c *claimsTx) holder(key string) (stream []byte, n uint64, ok bool) {
	d := digestOf(key)
	n, ok = c.pending[d]
	if !ok {
		n, ok = c.index.lookup(d)
	}
	if !ok || n == 0 {
		return nil, 0, false
	}
	s, k, ok := parseClaim(c.bucket.Get(u64(n)))
	if !ok || string(k) != key { // released, or another key's digest
		return nil, 0, false
	}
	return s, n, true
}

// release deletes the claim numbered n of key.
func (c *claimsTx) release(key string, n uint64) error {
	if err := c.bucket.Delete(u64(n)); err != nil {
		return err
	}
	c.change(digestOf(key), 0)
	return nil
}

// claim records that stream holds key.
func (c *claimsTx) claim(stream, key string) error {
	n, err := c.bucket.NextSequence()
	if err != nil {
		return err
	}
	// bbolt keeps the key and value until the commit: both are fresh allocations.
	if err := c.bucket.Put(u64(n), claimRecord(stream, key)); err != nil {
		return err
	}
	c.change(digestOf(key), n)
	return nil
}

func (c *claimsTx) change(d claimDigest, n uint64) {
	if c.pending == nil {
		c.pending = map[claimDigest]uint64{}
		changes, index := c.pending, c.index
		c.bucket.Tx().OnCommit(func() { index.commit(changes) })
	}
	c.pending[d] = n
}

// holderIn returns the stream holding key in a read transaction, without the map (read-only
// stores, which do not read it, and the check).
func holderIn(tx *bolt.Tx, index *claimIndex, key string) (stream string, ok bool) {
	if legacy := tx.Bucket(bucketReservations); legacy != nil { // format 1, opened read-only
		if v := legacy.Get([]byte(key)); v != nil {
			return string(v), true
		}
		return "", false
	}
	n, ok := index.lookup(digestOf(key))
	if !ok {
		return "", false
	}
	s, k, ok := parseClaim(tx.Bucket(bucketClaims).Get(u64(n)))
	if !ok || string(k) != key {
		return "", false
	}
	return string(s), true
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
