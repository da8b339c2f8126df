package projections

import (
	"encoding/json"
	"slices"

	"github.com/nordledger/ledger/domain"
	bolt "go.etcd.io/bbolt"
)

// customerBatch holds the customers the events of one transaction changed, decoded: each is read
// from the bucket once, changed by every event of the batch in memory, and written once by
// FlushBatch (in key order). Customers implements Batcher with it.
type customerBatch struct {
	tx        *bolt.Tx
	customers map[string]*domain.Customer
}

// BeginBatch implements Batcher.
func (p *Customers) BeginBatch(tx *bolt.Tx) {
	p.batch = &customerBatch{tx: tx, customers: make(map[string]*domain.Customer)}
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
		if err := putCustomer(tx, k, b.customers[k]); err != nil {
			return err
		}
	}
	clear(b.customers)
	return nil
}

// customer returns the customer stored under key in tx: the batch's copy when tx has a batch
// (decoded once per batch), else decoded from the bucket. A customer not stored yet is new.
func (p *Customers) customer(tx *bolt.Tx, key string) (*domain.Customer, error) {
	b := p.batch
	if b != nil && b.tx == tx {
		if c, ok := b.customers[key]; ok {
			return c, nil
		}
	}
	var state domain.CustomerState
	if v := tx.Bucket(bucketCustomers).Get([]byte(key)); v != nil {
		if err := json.Unmarshal(v, &state); err != nil {
			return nil, err
		}
	}
	c := domain.RestoreCustomer(state)
	if b != nil && b.tx == tx {
		b.customers[key] = c
	}
	return c, nil
}

// changed records that c changed: kept for FlushBatch in a batch of tx, written at once
// otherwise.
func (p *Customers) changed(tx *bolt.Tx, key string, c *domain.Customer) error {
	if b := p.batch; b != nil && b.tx == tx {
		return nil // it is the batch's copy: FlushBatch writes it
	}
	return putCustomer(tx, key, c)
}

// putCustomer stores the customer's state under key.
func putCustomer(tx *bolt.Tx, key string, c *domain.Customer) error {
	data, err := json.Marshal(c.State())
	if err != nil {
		return err
	}
	return tx.Bucket(bucketCustomers).Put([]byte(key), data)
}

var _ Batcher = (*Customers)(nil)
