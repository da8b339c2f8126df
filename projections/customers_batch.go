package projections

import (
	"context"
	"slices"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore/personal"
	bolt "go.etcd.io/bbolt"
)

// customerBatch holds the customers the events of one transaction changed, decoded: each is read
// from the bucket once, changed by every event of the batch in memory, and written once by
// FlushBatch (in key order). Customers implements Batcher with it.
type customerBatch struct {
	tx        *bolt.Tx
	customers map[string]*domain.Customer
	sealed    map[string]bool // the customers whose states are kept sealed (personal.go)
	remember  map[string]bool // the customers whose states are remembered decoded when written
}

// BeginBatch implements Batcher.
func (p *Customers) BeginBatch(tx *bolt.Tx) {
	p.batch = &customerBatch{tx: tx, customers: make(map[string]*domain.Customer), sealed: make(map[string]bool), remember: make(map[string]bool)}
}

// EndBatch implements Batcher.
func (p *Customers) EndBatch() { p.batch = nil }

// FlushBatch implements Batcher.
func (p *Customers) FlushBatch(tx *bolt.Tx) error {
	b := p.batch
	if b == nil || b.tx != tx {
		return nil
	}
	keys := make([]string, 0, len(b.customers))
	for k := range b.customers {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if err := p.putCustomer(tx, k, b.customers[k], b.sealed[k], b.remember[k]); err != nil {
			return err
		}
	}
	clear(b.customers)
	clear(b.sealed)
	clear(b.remember)
	return nil
}

// customer returns the customer stored under key in tx — the batch's copy when tx has a batch
// (decoded once per batch), else decoded from the bucket — and whether its state is kept sealed.
// A customer not stored yet is new.
func (p *Customers) customer(tx *bolt.Tx, key string) (*domain.Customer, bool, error) {
	b := p.batch
	if b != nil && b.tx == tx {
		if c, ok := b.customers[key]; ok {
			return c, b.sealed[key], nil
		}
	}
	var state domain.CustomerState
	var sealed bool
	if v := tx.Bucket(bucketCustomers).Get([]byte(key)); v != nil {
		// The applier waits for a key as long as it takes (a reader's key bus delivers it).
		if cached, ok := p.remembered(context.Background(), key, v); ok {
			state, sealed = cached, personal.IsSealedState(v)
		} else {
			var err error
			if state, sealed, err = p.decodeState(context.Background(), key, v); err != nil {
				return nil, false, err
			}
		}
	}
	c := domain.RestoreCustomer(state)
	if b != nil && b.tx == tx {
		b.customers[key], b.sealed[key] = c, sealed
	}
	return c, sealed, nil
}

// changed records that c changed, its state kept sealed when seal is set (and remembered decoded
// when remember is): kept for FlushBatch in a batch of tx, written at once otherwise.
func (p *Customers) changed(tx *bolt.Tx, key string, c *domain.Customer, seal, remember bool) error {
	if b := p.batch; b != nil && b.tx == tx {
		b.customers[key], b.sealed[key] = c, seal // FlushBatch writes it
		b.remember[key] = b.remember[key] || remember
		return nil
	}
	return p.putCustomer(tx, key, c, seal, remember)
}

var _ Batcher = (*Customers)(nil)
