package main

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore/consumer"
	bolt "go.etcd.io/bbolt"
)

// The book's file: the customers' names and addresses, and the position and id of the last
// event applied — written together, so that after a crash the book and its position agree.
var (
	bucketCustomers = []byte("customers") // customerNo → JSON of Entry
	bucketMeta      = []byte("meta")      // "position" → big-endian uint64
	keyPosition     = []byte("position")
	keyPositionID   = []byte("position-id") // the id of the event at "position": 16 bytes
)

// Entry is one customer in the address book.
type Entry struct {
	CustomerNo     string          `json:"customerNo"`
	Name           string          `json:"name,omitempty"`
	LegalAddress   *domain.Address `json:"legalAddress,omitempty"`
	BillingAddress *domain.Address `json:"billingAddress,omitempty"`
	// Withheld says why the book has not the customer's name and addresses: the ledger withheld
	// them from this service (no grant, a protected identity).
	Withheld string    `json:"withheld,omitempty"`
	Updated  time.Time `json:"updated"`
	// Position is the log position of the last event applied to the entry.
	Position uint64 `json:"position"`
}

// Book is the address book: a bbolt file of the service's own. Safe for concurrent use.
type Book struct {
	path string
	mu   sync.RWMutex // held exclusively while the file is rewritten (compact)
	db   *bolt.DB
}

// OpenBook opens (creating) the book at path.
func OpenBook(path string) (*Book, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("address book %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketCustomers, bucketMeta} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, err
	}
	return &Book{path: path, db: db}, nil
}

// Close closes the file.
func (b *Book) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.db.Close()
}

// compact rewrites the file with its live data only (bbolt's Compact into a new file, renamed
// over the old one): bbolt keeps a deleted entry's bytes in its freed pages until it reuses them,
// and a forgotten customer's name and addresses must not stay in the file.
func (b *Book) compact() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	tmp := b.path + ".compact"
	_ = os.Remove(tmp)
	dst, err := bolt.Open(tmp, 0o600, nil)
	if err != nil {
		return err
	}
	err = bolt.Compact(dst, b.db, 1<<20)
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = b.db.Close()
	}
	if err == nil {
		err = os.Rename(tmp, b.path)
	}
	db, oerr := bolt.Open(b.path, 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if oerr != nil {
		return errors.Join(err, oerr)
	}
	b.db = db
	return err
}

// Position returns the position of the last event applied (0: none).
func (b *Book) Position() (uint64, error) {
	m, err := b.Mark()
	return m.Position, err
}

// Mark returns the position and the id of the last event applied (the consumer's
// CheckpointMark: the id detects a ledger log restored from an older backup). A book written
// before the id was kept has none (uuid.Nil) until the next event.
func (b *Book) Mark() (consumer.Mark, error) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	var m consumer.Mark
	err := b.db.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if v := meta.Get(keyPosition); len(v) == 8 {
			m.Position = binary.BigEndian.Uint64(v)
		}
		if v := meta.Get(keyPositionID); len(v) == 16 {
			m.ID = uuid.UUID(v)
		}
		return nil
	})
	return m, err
}

// Entry returns a customer's entry.
func (b *Book) Entry(customerNo string) (Entry, bool, error) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	var e Entry
	var found bool
	err := b.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketCustomers).Get([]byte(customerNo))
		if v == nil {
			return nil
		}
		found = true
		return json.Unmarshal(v, &e)
	})
	return e, found, err
}

// Entries returns every entry, by customer number.
func (b *Book) Entries() ([]Entry, error) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	var out []Entry
	err := b.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketCustomers).ForEach(func(_, v []byte) error {
			var e Entry
			if err := json.Unmarshal(v, &e); err != nil {
				return err
			}
			out = append(out, e)
			return nil
		})
	})
	return out, err
}

// errSkip tells update to leave the entry as it is (and still record the position).
var errSkip = errors.New("skip")

// update changes a customer's entry — change gets it (found false when there is none) and
// returns it changed, nil to delete it, or errSkip — and records position (and the event's id) as applied, in one
// transaction. An event at or below the recorded position is applied already: nothing happens.
func (b *Book) update(customerNo string, position uint64, id uuid.UUID, change func(e Entry, found bool) (*Entry, error)) error {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.db.Update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if v := meta.Get(keyPosition); len(v) == 8 && binary.BigEndian.Uint64(v) >= position {
			return nil
		}
		if err := meta.Put(keyPosition, binary.BigEndian.AppendUint64(nil, position)); err != nil {
			return err
		}
		if err := meta.Put(keyPositionID, id[:]); err != nil {
			return err
		}
		if customerNo == "" {
			return nil
		}
		customers := tx.Bucket(bucketCustomers)
		var cur Entry
		v := customers.Get([]byte(customerNo))
		if v != nil {
			if err := json.Unmarshal(v, &cur); err != nil {
				return err
			}
		}
		next, err := change(cur, v != nil)
		switch {
		case errors.Is(err, errSkip):
			return nil
		case err != nil:
			return err
		case next == nil:
			return customers.Delete([]byte(customerNo))
		}
		next.Position = position
		nv, err := json.Marshal(next)
		if err != nil {
			return err
		}
		return customers.Put([]byte(customerNo), nv)
	})
}
