package disclosure

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Record is one disclosure: the events of one customer whose personal data one consumer
// obtained in one request. Seq orders the records of the whole store.
type Record struct {
	Seq        uint64    `json:"seq"`
	Time       time.Time `json:"time"`
	LedgerNo   string    `json:"ledgerNo"`
	CustomerNo string    `json:"customerNo"`
	Consumer   string    `json:"consumer"`
	// Positions are the log positions of the events disclosed, ascending.
	Positions []uint64 `json:"positions"`
}

func customerPrefix(ledgerNo, customerNo string) []byte {
	return []byte(ledgerNo + "\x00" + customerNo + "\x00")
}

// putRecords records disclosures in tx, each under the next sequence number.
func putRecords(tx *bolt.Tx, rs []Record) error {
	b := tx.Bucket(bucketDisclosures)
	for _, r := range rs {
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		r.Seq = seq
		v, err := json.Marshal(r)
		if err != nil {
			return err
		}
		if err := b.Put(append(customerPrefix(r.LedgerNo, r.CustomerNo), u64(seq)...), v); err != nil {
			return err
		}
	}
	return nil
}

// Disclosures returns up to limit of the disclosures of customer customerNo of ledger ledgerNo
// (to any consumer) with a Seq above after, oldest first, and the Seq to continue after (0:
// there are no more).
func (s *Store) Disclosures(ledgerNo, customerNo string, after uint64, limit int) (rs []Record, next uint64, err error) {
	if limit <= 0 {
		limit = 100
	}
	if after == math.MaxUint64 {
		return nil, 0, nil // nothing comes after the last number (after+1 would wrap to the start)
	}
	prefix := customerPrefix(ledgerNo, customerNo)
	err = s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketDisclosures).Cursor()
		for k, v := c.Seek(append(bytes.Clone(prefix), u64(after+1)...)); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			if len(rs) == limit {
				next = rs[len(rs)-1].Seq
				return nil
			}
			var r Record
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("disclosure: record %x: %w", k, err)
			}
			rs = append(rs, r)
		}
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	return rs, next, nil
}

// pruneScan bounds the records one pass of Prune reads (in a read transaction) before it deletes
// the old ones among them (in a write transaction of their own), so that a prune of a large
// store holds the writer's disclosures back for one short transaction at a time.
var pruneScan = 4096

// Prune deletes the disclosure records made before before, and returns how many it deleted. It
// reads the records pruneScan at a time and deletes the old ones of each batch in one fsynced
// transaction; a batch with none writes nothing. An error leaves the records deleted so far
// deleted and the rest in place (call again). Records made while it runs are newer and stay
// (records never change once written, so what a read found old is old when it is deleted). A
// read-only store refuses with ErrReadOnly.
func (s *Store) Prune(before time.Time) (int, error) {
	if s.readOnly {
		return 0, ErrReadOnly
	}
	deleted := 0
	var from []byte // the key to continue from; nil: the first
	for {
		old, next, err := s.oldRecords(from, before)
		if err != nil {
			return deleted, err
		}
		if len(old) > 0 {
			err := s.update(func(tx *bolt.Tx) error {
				b := tx.Bucket(bucketDisclosures)
				for _, k := range old {
					if err := b.Delete(k); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				return deleted, err
			}
			deleted += len(old)
		}
		if next == nil {
			return deleted, nil
		}
		from = next
	}
}

// oldRecords reads up to pruneScan records from the key from (nil: the first) and returns the
// keys of those made before before, and the key to read on from (nil: none left).
func (s *Store) oldRecords(from []byte, before time.Time) (old [][]byte, next []byte, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketDisclosures).Cursor()
		k, v := c.First()
		if from != nil {
			k, v = c.Seek(from)
		}
		for n := 0; k != nil; k, v = c.Next() {
			if n == pruneScan {
				next = bytes.Clone(k)
				return nil
			}
			n++
			var r struct {
				Time time.Time `json:"time"`
			}
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("disclosure: record %x: %w", k, err)
			}
			if r.Time.Before(before) {
				old = append(old, bytes.Clone(k))
			}
		}
		return nil
	})
	return old, next, err
}
