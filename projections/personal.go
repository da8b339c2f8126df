package projections

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore/personal"
	bolt "go.etcd.io/bbolt"
)

// Protect makes the set's projections open sealed events and seal the customers' states with
// pd (docs/data-protection.md). Without it only events and states in the clear are read, and a
// sealed event stops the projection with an error — never read without its personal data.
func (s *Set) Protect(pd *personal.Protector) *Set {
	s.Customers.Protect(pd)
	s.Audit.Protect(pd)
	return s
}

// Protect makes the customer projection open sealed events and keep the state of every customer
// that has one sealed, with the customer's data key (see Customers).
func (p *Customers) Protect(pd *personal.Protector) *Customers {
	p.pd = pd
	return p
}

// Protect makes the audit projection's time travel open sealed events.
func (p *Audit) Protect(pd *personal.Protector) *Audit {
	p.pd = pd
	return p
}

// errNoProtector: a sealed event met a projection without a protector.
var errNoProtector = errors.New("projections: the event is sealed and the projection has no protector (Set.Protect)")

// bucketNatIDOf maps a customer to its entry in the national-identifier index, so a forgotten
// customer's entry is removed without its national identifier, which is no longer readable.
var bucketNatIDOf = []byte("customer_natid_of") // "{ledgerNo}/{customerNo}" → big-endian position of its entry in bucketNatIDs

// decodeState decodes a customer's stored state: sealed reports whether it is kept sealed. A
// sealed state whose key is destroyed (the customer is being forgotten) reads as forgotten. ctx
// bounds the wait for the data key: a reader replica's key bus may not hold it yet.
func (p *Customers) decodeState(ctx context.Context, key string, v []byte) (s domain.CustomerState, sealed bool, err error) {
	stream := customerStream(key)
	if personal.IsSealedState(v) {
		if p.pd == nil {
			return s, true, errNoProtector
		}
		plain, err := p.pd.OpenState(ctx, stream, v)
		if errors.Is(err, personal.ErrKeyDestroyed) {
			_, no, _ := strings.Cut(key, "/")
			return domain.CustomerState{CustomerNo: no, Forgotten: true}, true, nil
		}
		if err != nil {
			return s, true, err
		}
		v, sealed = plain, true
	}
	if err := json.Unmarshal(v, &s); err != nil {
		return s, sealed, fmt.Errorf("stored state of %s: %w", stream, err)
	}
	return s, sealed, nil
}

// remembered returns the state remembered decoded for the stored bytes v of key (stateCache) —
// unless v is sealed and its data key is no longer to be had: destroyed, the customer being
// forgotten, v now reads as forgotten (decodeState), and what was decoded from it before must
// not be served (nor changed) in its place. Such an entry is dropped. ctx bounds the look-up of
// the key.
func (p *Customers) remembered(ctx context.Context, key string, v []byte) (domain.CustomerState, bool) {
	s, ok := p.states.get(key, v)
	if !ok {
		return s, false
	}
	if p.pd != nil && personal.IsSealedState(v) {
		if _, err := p.pd.Keys().DataKey(ctx, customerStream(key), false); err != nil {
			p.states.drop(key)
			return domain.CustomerState{}, false
		}
	}
	return s, true
}

// customerStream returns the stream of a customers-bucket key ("{ledgerNo}/{customerNo}").
func customerStream(key string) string {
	ledgerNo, customerNo, _ := strings.Cut(key, "/")
	return domain.StreamName(ledgerNo, customerNo)
}

// putCustomer stores a customer's state under key, sealed with its data key when seal is set.
// With remember, the state is remembered decoded with the bytes stored (stateCache): the next
// change or read of the customer need not open and decode it (should the transaction roll back,
// the file's bytes differ from the remembered ones, which are then ignored). A rebuild or a
// catch-up does not remember what it writes.
func (p *Customers) putCustomer(tx *bolt.Tx, key string, c *domain.Customer, seal, remember bool) error {
	state := c.State()
	data, err := marshalState(state)
	if err != nil {
		return err
	}
	if seal {
		if p.pd == nil {
			return errNoProtector
		}
		if data, err = p.pd.SealState(context.Background(), customerStream(key), data); err != nil {
			return err
		}
	}
	if err := keyOrdered(tx, bucketCustomers).Put([]byte(key), data); err != nil {
		return err
	}
	if tx == p.db.back.Load() {
		p.written.put(key, data) // for Customer until the transaction commits (customers_overlay.go)
	}
	if remember {
		p.states.put(key, data, state)
	}
	return nil
}

// keyOrdered returns a bucket keyed by customer ("{ledgerNo}/{customerNo}"), with its pages
// filled completely when they split, like the audit's append-only buckets (appendOnly): new
// customers mostly come in key order (generated numbers grow, and a batch writes its customers
// in key order), and with bbolt's default of half-full pages a page held two ~1.3 KB sealed
// states, 40% of it used, forever. Filled pages made a rebuild of a million customers write
// 3.8 GB instead of 5.0 GB. A customer inserted between others, or a state that outgrows its
// page, still splits the page (into a full one and the rest).
func keyOrdered(tx *bolt.Tx, name []byte) *bolt.Bucket {
	b := tx.Bucket(name)
	b.FillPercent = 1
	return b
}

// forget replaces a customer with its forgotten state (in the clear: it holds nothing personal),
// removes it from the national-identifier index and the card registrations' expiry index, and
// drops what this process holds of it (its key, its decoded state).
func (p *Customers) forget(tx *bolt.Tx, key string, s domain.CustomerState) error {
	if err := p.changed(tx, key, domain.RestoreCustomer(s), false, false); err != nil {
		return err
	}
	p.natIDsWritten(tx)
	if err := p.natIDs.remove(tx, key); err != nil {
		return err
	}
	ledgerNo, _, _ := strings.Cut(key, "/")
	if err := dropPendingCardRegistrations(tx, ledgerNo, s.CustomerNo); err != nil {
		return err
	}
	// Dropped now, and again once the forgotten state is what readers read — published to the
	// customer reads (write-back, customers_overlay.go) or committed — so that a read that
	// opened the state before cannot remember it after (stateCache.putIf).
	p.states.drop(key)
	tx.OnCommit(func() { p.states.drop(key) })
	if tx == p.db.back.Load() {
		p.written.forgotten = append(p.written.forgotten, key)
	}
	if p.pd != nil {
		p.pd.Evict(customerStream(key))
	}
	return nil
}

// drop forgets the state remembered under key.
func (c *stateCache) drop(key string) {
	sh := c.shard(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	delete(sh.m, key)
	sh.drops++
}

// dropPendingCardRegistrations removes a forgotten customer's Initialized card registrations
// from the expiry index (nothing is left to expire on it). The index holds only the
// registrations waiting for their expiry: few.
func dropPendingCardRegistrations(tx *bolt.Tx, ledgerNo, customerNo string) error {
	regs, pending := tx.Bucket(bucketCardRegistrations), tx.Bucket(bucketCardPending)
	var drop [][]byte
	c := pending.Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		if len(k) < 8 {
			continue
		}
		var entry cardRegistrationEntry
		if v := regs.Get(k[8:]); v == nil || json.Unmarshal(v, &entry) != nil {
			continue
		}
		if entry.LedgerNo == ledgerNo && entry.CustomerNo == customerNo {
			drop = append(drop, append([]byte(nil), k...))
		}
	}
	for _, k := range drop {
		if err := pending.Delete(k); err != nil {
			return err
		}
	}
	return nil
}
