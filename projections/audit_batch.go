package projections

import (
	"slices"

	bolt "go.etcd.io/bbolt"
)

// auditBatch holds the audit's meta records (each ledger's clock, each index value's count) that
// the events of one transaction change: every event reads and writes its ledger's clock and
// three counters, and within a batch most of them are the same few records. They are read from
// the bucket once, changed in memory and written once by FlushBatch (in key order). Audit
// implements Batcher with it.
type auditBatch struct {
	tx   *bolt.Tx
	meta map[string][]byte
}

// BeginBatch implements Batcher.
func (p *Audit) BeginBatch(tx *bolt.Tx) { p.batch = &auditBatch{tx: tx, meta: make(map[string][]byte)} }

// EndBatch implements Batcher.
func (p *Audit) EndBatch() { p.batch = nil }

// FlushBatch implements Batcher.
func (p *Audit) FlushBatch(tx *bolt.Tx) error {
	b := p.batch
	if b == nil || b.tx != tx {
		return nil
	}
	meta := tx.Bucket(bucketAuditMeta)
	keys := make([]string, 0, len(b.meta))
	for k := range b.meta {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if err := meta.Put([]byte(k), b.meta[k]); err != nil {
			return err
		}
	}
	clear(b.meta)
	return nil
}

// metaGet reads a meta record: the batch's value when tx has a batch that holds it, else the
// bucket's.
func (p *Audit) metaGet(tx *bolt.Tx, key []byte) []byte {
	if b := p.batch; b != nil && b.tx == tx {
		if v, ok := b.meta[string(key)]; ok {
			return v
		}
	}
	return tx.Bucket(bucketAuditMeta).Get(key)
}

// metaPut writes a meta record: into the batch when tx has one, else into the bucket.
func (p *Audit) metaPut(tx *bolt.Tx, key, value []byte) error {
	if b := p.batch; b != nil && b.tx == tx {
		b.meta[string(key)] = value
		return nil
	}
	return tx.Bucket(bucketAuditMeta).Put(key, value)
}

var _ Batcher = (*Audit)(nil)
