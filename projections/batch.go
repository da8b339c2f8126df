package projections

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Batcher is a Projection that can keep what the events of one transaction change in memory and
// write each changed record once, when the batch is flushed, instead of reading and writing it
// for every event (a customer touched by many events of a batch is then decoded and encoded
// once). The runner and Rebuild use it around the events they commit together:
//
//	BeginBatch(tx); Apply(tx, e1); ...; Apply(tx, en); FlushBatch(tx); (commit); EndBatch()
//
// EndBatch is called whatever happened (also after a failed Apply, whose transaction rolls
// back), so nothing kept survives its transaction. Apply outside a batch, or in another
// transaction than the batch's, writes through at once. The result must be the same either way.
type Batcher interface {
	Projection
	// BeginBatch starts a batch in the write transaction tx.
	BeginBatch(tx *bolt.Tx)
	// FlushBatch writes everything the batch keeps into tx (the batch stays open).
	FlushBatch(tx *bolt.Tx) error
	// EndBatch drops the batch.
	EndBatch()
}

// batches runs the batches of the projections that are Batchers in one transaction.
type batches []Batcher

// beginBatches starts a batch in tx for each projection that keeps one. The caller must call
// end when the transaction is over (defer it inside the transaction's function).
func beginBatches(tx *bolt.Tx, ps ...Projection) batches {
	var bs batches
	for _, p := range ps {
		if b, ok := p.(Batcher); ok {
			b.BeginBatch(tx)
			bs = append(bs, b)
		}
	}
	return bs
}

// flush writes every batch into tx.
func (bs batches) flush(tx *bolt.Tx) error {
	for _, b := range bs {
		if err := b.FlushBatch(tx); err != nil {
			return fmt.Errorf("projections: %s: %w", b.Name(), err)
		}
	}
	return nil
}

// end drops every batch.
func (bs batches) end() {
	for _, b := range bs {
		b.EndBatch()
	}
}
