package projections

import (
	"bytes"
	"hash/maphash"
	"sync"

	"github.com/nordledger/ledger/domain"
)

// stateCache remembers decoded customer states next to the stored bytes they were decoded from,
// for reads: decoding a customer's JSON was a seventh of the CPU of a GET (BENCHMARKS.md). A read
// uses the remembered state only when the bytes it just read in its own transaction equal the
// remembered ones, so the cache can never serve a state the file does not hold, and writes need
// not know about it — and, for a sealed state, only while the customer's data key is live
// (Customers.remembered): once the key is destroyed the same bytes read as forgotten. States go
// in and out as deep copies: no caller shares memory with the cache. It holds at most
// stateCacheMax customers (about 2 KB each), evicting at random when full.
type stateCache struct {
	seed   maphash.Seed
	shards [stateCacheShards]stateShard
}

const (
	stateCacheShards = 16
	stateCacheMax    = 16 * 1024
)

type stateShard struct {
	mu sync.Mutex
	m  map[string]cachedState
	// drops counts the drops of the shard's keys: a reader's put of what it decoded is refused
	// when one of its keys was dropped since the reader began (putIf), so a forgotten
	// customer's state, read just before the forget, is not remembered after it.
	drops uint64
}

type cachedState struct {
	raw   []byte
	state domain.CustomerState
}

func newStateCache() *stateCache { return &stateCache{seed: maphash.MakeSeed()} }

func (c *stateCache) shard(key string) *stateShard {
	return &c.shards[maphash.String(c.seed, key)%stateCacheShards]
}

// get returns a copy of the state decoded from raw under key, if remembered.
func (c *stateCache) get(key string, raw []byte) (domain.CustomerState, bool) {
	sh := c.shard(key)
	sh.mu.Lock()
	e, ok := sh.m[key]
	sh.mu.Unlock()
	if !ok || !bytes.Equal(e.raw, raw) {
		return domain.CustomerState{}, false
	}
	return e.state.Clone(), true
}

// token returns what a reader of key passes to putIf: taken before it reads the stored bytes.
func (c *stateCache) token(key string) uint64 {
	sh := c.shard(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	return sh.drops
}

// putIf remembers state as decoded from raw, as put does, unless a key of its shard was dropped
// since token was taken.
func (c *stateCache) putIf(key string, raw []byte, state domain.CustomerState, token uint64) {
	e := cachedState{raw: bytes.Clone(raw), state: state.Clone()}
	sh := c.shard(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.drops != token {
		return
	}
	sh.putLocked(key, e)
}

// put remembers state as decoded from raw (both copied).
func (c *stateCache) put(key string, raw []byte, state domain.CustomerState) {
	e := cachedState{raw: bytes.Clone(raw), state: state.Clone()}
	sh := c.shard(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	sh.putLocked(key, e)
}

func (sh *stateShard) putLocked(key string, e cachedState) {
	if sh.m == nil {
		sh.m = make(map[string]cachedState)
	}
	if _, ok := sh.m[key]; !ok && len(sh.m) >= stateCacheMax/stateCacheShards {
		for k := range sh.m { // one at random (map order)
			delete(sh.m, k)
			break
		}
	}
	sh.m[key] = e
}

// len returns the number of remembered customers.
func (c *stateCache) len() int {
	n := 0
	for i := range c.shards {
		c.shards[i].mu.Lock()
		n += len(c.shards[i].m)
		c.shards[i].mu.Unlock()
	}
	return n
}
