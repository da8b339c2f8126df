// Package keyindex holds an index of a bbolt bucket in memory: a map from a digest of a key to
// the number under which the bucket keeps the key's entry (a position, a claim number).
//
// It serves buckets whose natural key is a keyed hash. A B+tree keyed by such keys takes every
// new entry on a random leaf, which bbolt reads, rewrites and writes whole at each commit — for
// one entry — and batching cannot remove that at scale (a million keys' tree has ~20–40k leaves;
// any batch of random keys lands on a leaf per key). So the file keeps the entries in the order
// they were made, keyed by an increasing number (new entries on the last leaf), and the look-up
// by key goes through this map: pointer-free (the collector does not scan it; ~60 bytes per
// key), read from the bucket once, and changed only when a transaction that changed the bucket
// commits (bolt.Tx.OnCommit: a transaction rolled back leaves it as it was). The map only says
// where to look: the caller checks the entry it finds against the full key (an entry released
// since, or another key's digest).
//
// Used by the event store's unique keys (eventstore/claims.go) and the read models'
// national-identifier index (projections/natid_index.go).
package keyindex

import (
	"crypto/sha256"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// Digest is the SHA-256 of a key.
type Digest [sha256.Size]byte

// Of returns the digest of key.
func Of(key []byte) Digest { return sha256.Sum256(key) }

// Index is the in-memory map. The zero value is an index not read yet.
type Index struct {
	mu sync.RWMutex
	m  map[Digest]uint64 // nil until read
}

// Lookup returns the number the index holds for d (false also while the index is not read).
func (x *Index) Lookup(d Digest) (uint64, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	n, ok := x.m[d]
	return n, ok
}

// Load reads the index once, unless it is read already: read calls add for every entry of the
// bucket, in the bucket's order (a later entry of the same key wins). It holds the lock while it
// reads, so a transaction committing meanwhile changes the map after it (what that commit
// changed is then applied twice: the same result).
func (x *Index) Load(read func(add func(key []byte, n uint64)) error) error {
	return x.LoadSized(0, read)
}

// LoadSized is Load with the number of entries expected (0: not known): the map is made with room
// for them, so that it does not grow step by step — at a million keys that halves what the read
// allocates and about halves its time (BenchmarkLoad). An estimate too high only costs memory.
func (x *Index) LoadSized(size int, read func(add func(key []byte, n uint64)) error) error {
	return x.load(func(sized func(int) func([]byte, uint64)) error { return read(sized(size)) })
}

// LoadView is LoadSized reading the bucket in one read transaction of db, begun with the lock
// held (as Load's read must be, or a commit between the two would be lost): size returns the
// number of entries expected as that transaction sees them (a bucket's sequence, its count; 0:
// not known), read calls add for every entry — the hint and the entries from the same
// transaction, with no other begun for the hint.
func (x *Index) LoadView(db *bolt.DB, size func(tx *bolt.Tx) int, read func(tx *bolt.Tx, add func(key []byte, n uint64)) error) error {
	return x.load(func(sized func(int) func([]byte, uint64)) error {
		return db.View(func(tx *bolt.Tx) error { return read(tx, sized(size(tx))) })
	})
}

// load reads the index once, unless it is read already, holding the lock: read makes the map
// with sized (the number of entries expected) and calls the add it returns for every entry.
func (x *Index) load(read func(sized func(size int) (add func(key []byte, n uint64))) error) error {
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
	var m map[Digest]uint64
	sized := func(size int) func([]byte, uint64) {
		m = make(map[Digest]uint64, max(size, 0))
		return func(key []byte, n uint64) { m[Of(key)] = n }
	}
	if err := read(sized); err != nil {
		return err
	}
	if m == nil { // read added nothing and made no map
		m = map[Digest]uint64{}
	}
	x.m = m
	return nil
}

// SetOnCommit makes d map to n once tx commits.
func (x *Index) SetOnCommit(tx *bolt.Tx, d Digest, n uint64) {
	tx.OnCommit(func() {
		x.mu.Lock()
		defer x.mu.Unlock()
		if x.m != nil {
			x.m[d] = n
		}
	})
}

// DeleteOnCommit drops d once tx commits, unless by then it maps to another number than n (a
// later entry of the same key).
func (x *Index) DeleteOnCommit(tx *bolt.Tx, d Digest, n uint64) {
	tx.OnCommit(func() {
		x.mu.Lock()
		defer x.mu.Unlock()
		if v, ok := x.m[d]; ok && v == n {
			delete(x.m, d)
		}
	})
}

// ReloadOnCommit drops the map once tx, which replaced the bucket, commits: the next Load reads
// it again.
func (x *Index) ReloadOnCommit(tx *bolt.Tx) {
	tx.OnCommit(func() {
		x.mu.Lock()
		defer x.mu.Unlock()
		x.m = nil
	})
}

// Drop forgets the map: the next Load reads it again. For a writer that cannot tell what a failed
// commit left in the file (bbolt may have written the transaction's meta page before its fsync
// failed, and then counts the transaction as committed, though its commit handlers never ran).
func (x *Index) Drop() {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.m = nil
}

// Len returns the number of keys the map holds (0 while it is not read).
func (x *Index) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.m)
}

// Loaded reports whether the map is read.
func (x *Index) Loaded() bool {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.m != nil
}
