package projections

import (
	"bytes"
	"encoding/binary"

	"github.com/nordledger/ledger/internal/keyindex"
	bolt "go.etcd.io/bbolt"
)

// The national-identifier index of find-customer, held in memory (internal/keyindex: why).
//
// The file keeps the index in the order it was written: bucketNatIDs maps the position of a
// customer's CustomerCreated to its national-identifier key (a keyed hash) and customer number
// (new entries on the last leaf), customer_natid_of maps the customer to that position (for the
// forget). The look-up goes from a digest of the key to the position through a keyindex.Index,
// read when the runner starts (~0.1 s per 100k customers; at the first look-up where no runner
// runs) and changed by the transactions that change the bucket, once they commit. Keyed by the
// hash itself, every create put its entry on a random leaf: ~6% of a create's CPU in the service
// (BENCHMARKS.md).
type natIndex struct{ keyindex.Index }

// natEntry is a bucketNatIDs value: the national-identifier key, 0x00, the customer number.
func natEntry(natKey []byte, customerNo string) []byte {
	v := make([]byte, 0, len(natKey)+1+len(customerNo))
	v = append(append(v, natKey...), 0)
	return append(v, customerNo...)
}

// parseNatEntry splits a bucketNatIDs value (ok false when it has no separator).
func parseNatEntry(v []byte) (natKey []byte, customerNo string, ok bool) {
	natKey, ok = natEntryKey(v)
	if !ok {
		return nil, "", false
	}
	return natKey, string(v[len(natKey)+1:]), true
}

// natEntryKey is parseNatEntry's natKey alone (allocating nothing).
func natEntryKey(v []byte) (natKey []byte, ok bool) {
	i := bytes.IndexByte(v, 0)
	if i < 0 {
		return nil, false
	}
	return v[:i], true
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
	x.SetOnCommit(tx, keyindex.Of(natKey), pos)
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
	d := keyindex.Of(natKey) // before the delete: natKey is the entry's memory
	if err := ix.Delete(pk); err != nil {
		return err
	}
	x.DeleteOnCommit(tx, d, binary.BigEndian.Uint64(pk))
	return nil
}

// reload drops the map when tx, which replaced the bucket (a reset, a copy), commits: the next
// look-up reads it again.
func (x *natIndex) reload(tx *bolt.Tx) { x.ReloadOnCommit(tx) }

// find returns the customer holding natKey.
func (x *natIndex) find(db *bolt.DB, natKey []byte) (customerNo string, found bool, err error) {
	if err := x.load(db); err != nil {
		return "", false, err
	}
	pos, ok := x.Lookup(keyindex.Of(natKey))
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

// load reads the bucket into the map once, made with room for the bucket's entries (counted
// from its pages' headers in the same transaction: the map does not grow step by step, which
// allocated twice the memory, BenchmarkNatIndexLoad), allocating nothing per entry.
func (x *natIndex) load(db *bolt.DB) error {
	return x.LoadView(db,
		func(tx *bolt.Tx) int {
			if b := tx.Bucket(bucketNatIDs); b != nil {
				return b.Stats().KeyN
			}
			return 0
		},
		func(tx *bolt.Tx, add func([]byte, uint64)) error {
			b := tx.Bucket(bucketNatIDs)
			if b == nil {
				return nil
			}
			return b.ForEach(func(k, v []byte) error {
				if natKey, ok := natEntryKey(v); ok && len(k) == 8 { // not its customer number: a string each
					add(natKey, binary.BigEndian.Uint64(k)) // in position order: the last holder wins
				}
				return nil
			})
		})
}
