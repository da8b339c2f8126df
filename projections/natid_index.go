package projections

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// The national-identifier index of find-customer, held in memory.
//
// Its keys are keyed hashes, so a B+tree keyed by them takes every new customer on a random
// leaf: bbolt then reads that whole leaf into memory, rewrites it and writes it at the commit,
// for one entry: ~6% of a create's CPU in the service (BENCHMARKS.md), and batching cannot
// remove it at scale (a million customers' index has ~40k leaves; any batch of random keys lands
// on a leaf per key).
//
// So the file keeps the index in the order it was written: bucketNatIDs maps the position of a
// customer's CustomerCreated to its national-identifier key and customer number (new entries on
// the last leaf), customer_natid_of maps the customer to that position (for the forget). The
// look-up goes through natIndex: a map from a digest of the key to the position, without
// pointers (the collector does not scan it; ~60 bytes per customer), read from the bucket when
// the runner starts (~0.1 s per 100k customers; at the first look-up where no runner runs) and
// kept current by the transactions that change the bucket, once they commit (bolt.Tx.OnCommit: a
// transaction rolled back leaves it as it was).
type natIndex struct {
	mu sync.RWMutex
	m  map[[sha256.Size]byte]uint64 // digest of the national-identifier key → position; nil until read
}

func natDigest(natKey []byte) [sha256.Size]byte { return sha256.Sum256(natKey) }

// natEntry is a bucketNatIDs value: the national-identifier key, 0x00, the customer number.
func natEntry(natKey []byte, customerNo string) []byte {
	v := make([]byte, 0, len(natKey)+1+len(customerNo))
	v = append(append(v, natKey...), 0)
	return append(v, customerNo...)
}

// parseNatEntry splits a bucketNatIDs value (ok false when it has no separator).
func parseNatEntry(v []byte) (natKey []byte, customerNo string, ok bool) {
	i := bytes.IndexByte(v, 0)
	if i < 0 {
		return nil, "", false
	}
	return v[:i], string(v[i+1:]), true
}

func natPosKey(pos uint64) []byte { return binary.BigEndian.AppendUint64(nil, pos) }

// put records in tx that the customer whose CustomerCreated is at pos holds natKey; the map
// learns it when tx commits.
func (x *natIndex) put(tx *bolt.Tx, key, customerNo string, natKey []byte, pos uint64) error {
	pk := natPosKey(pos)
	if err := keyOrdered(tx, bucketNatIDOf).Put([]byte(key), pk); err != nil {
		return err
	}
	if err := keyOrdered(tx, bucketNatIDs).Put(pk, natEntry(natKey, customerNo)); err != nil {
		return err
	}
	d := natDigest(natKey)
	tx.OnCommit(func() {
		x.mu.Lock()
		defer x.mu.Unlock()
		if x.m != nil {
			x.m[d] = pos
		}
	})
	return nil
}

// remove drops the customer key's entry in tx (a forgotten customer); the map forgets it when
// tx commits, unless another customer holds the key by then.
func (x *natIndex) remove(tx *bolt.Tx, key string) error {
	of := tx.Bucket(bucketNatIDOf)
	pk := of.Get([]byte(key))
	if pk == nil {
		return nil
	}
	pk = bytes.Clone(pk)
	if err := of.Delete([]byte(key)); err != nil {
		return err
	}
	ix := tx.Bucket(bucketNatIDs)
	natKey, _, ok := parseNatEntry(ix.Get(pk))
	if !ok {
		return nil
	}
	d, pos := natDigest(natKey), binary.BigEndian.Uint64(pk)
	if err := ix.Delete(pk); err != nil {
		return err
	}
	tx.OnCommit(func() {
		x.mu.Lock()
		defer x.mu.Unlock()
		if p, ok := x.m[d]; ok && p == pos {
			delete(x.m, d)
		}
	})
	return nil
}

// reload drops the map when tx, which replaced the bucket (a reset, a copy), commits: the next
// look-up reads it again.
func (x *natIndex) reload(tx *bolt.Tx) {
	tx.OnCommit(func() {
		x.mu.Lock()
		defer x.mu.Unlock()
		x.m = nil
	})
}

// find returns the customer holding natKey.
func (x *natIndex) find(db *bolt.DB, natKey []byte) (customerNo string, found bool, err error) {
	if err := x.load(db); err != nil {
		return "", false, err
	}
	x.mu.RLock()
	pos, ok := x.m[natDigest(natKey)]
	x.mu.RUnlock()
	if !ok {
		return "", false, nil
	}
	err = db.View(func(tx *bolt.Tx) error {
		k, no, ok := parseNatEntry(tx.Bucket(bucketNatIDs).Get(natPosKey(pos)))
		if ok && bytes.Equal(k, natKey) { // not forgotten since, and not another key's digest
			customerNo, found = no, true
		}
		return nil
	})
	return customerNo, found, err
}

// load reads the bucket into the map once. It holds the lock while it reads, so a transaction
// committing meanwhile updates the map after it (what that commit changed is then applied
// twice: the same result).
func (x *natIndex) load(db *bolt.DB) error {
	x.mu.RLock()
	loaded := x.m != nil
	x.mu.RUnlock()
	if loaded {
		return nil
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.m != nil {
		return nil
	}
	m := map[[sha256.Size]byte]uint64{}
	err := db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketNatIDs)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			if natKey, _, ok := parseNatEntry(v); ok && len(k) == 8 {
				m[natDigest(natKey)] = binary.BigEndian.Uint64(k) // in position order: the last holder wins
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
