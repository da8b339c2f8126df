package personal

import (
	"crypto/rand"
	"fmt"

	"github.com/nordledger/ledger/eventstore"
	bolt "go.etcd.io/bbolt"
)

// With StoreOptions.DeferCreates a new customer's data key is made in memory and used at once;
// its record is written by the next CommitPending, which the event log runs before the
// transaction of the group holding the customer's first event (eventstore Options.Prepare). So
// the key is durable before the event sealed with it, without a commit and fsync of its own on
// the create's path: the group's keys are committed while the group before it commits.
//
// A pending key stays pending until a commit writes it: a CommitPending that fails (a full disk)
// fails the group, and the keys are written by a later one, so an event is never sealed with a
// key that was given up. A key whose event is never stored (the append was refused) is written
// all the same, as a key made by DataKey without DeferCreates is: a key without events.

// pendingKey is a key made but not yet written.
type pendingKey struct {
	rec KeyRecord
	key *DataKey
	raw []byte // the key itself: wrapped again should the master key change before the commit
}

// createPending makes subject's data key and holds it until CommitPending; a key already pending
// for subject, or written since the caller found no record, is returned instead. The caller
// (DataKey) holds s.mu shared: no Destroy or compaction runs meanwhile.
func (s *Store) createPending(subject string) (*DataKey, error) {
	s.pendingMu.Lock()
	defer s.pendingMu.Unlock()
	if p, ok := s.pending[subject]; ok {
		return p.key, nil
	}
	// Another caller's pending key for subject may have been committed (and so no longer be
	// pending) since DataKey found no record: CommitPending writes a key before it drops it from
	// pending, under pendingMu. A second key made now would be skipped by CommitPending (the
	// subject has a record) while the cache hands it out for every later event of the subject.
	var rec KeyRecord
	var found bool
	if err := s.db.View(func(tx *bolt.Tx) (err error) {
		rec, found, err = getRecord(tx.Bucket(bucketKeys), subject)
		return err
	}); err != nil {
		return nil, err
	}
	switch {
	case found && rec.Destroyed:
		return nil, fmt.Errorf("%w (%s)", ErrKeyDestroyed, subject)
	case found:
		return s.unwrap(rec)
	}
	raw := make([]byte, dataKeyLen)
	if _, err := rand.Read(raw); err != nil {
		return nil, err
	}
	master, wrapped, err := s.ring.Load().wrap(subject, raw)
	if err != nil {
		return nil, err
	}
	k, err := NewDataKey(raw)
	if err != nil {
		return nil, err
	}
	if s.pending == nil {
		s.pending = make(map[string]pendingKey)
	}
	s.pending[subject] = pendingKey{rec: KeyRecord{Subject: subject, Rev: 1, Master: master, Wrapped: wrapped}, key: k, raw: raw}
	s.cache.put(subject, k)
	return k, nil
}

// CommitPending writes the keys DataKey made since the last commit (StoreOptions.DeferCreates),
// with the key bus marks held, in one transaction, and returns once they are durable. A subject
// whose record exists by then (another key, a tombstone) keeps it. With nothing pending it
// writes nothing. Errors match eventstore.ErrWriteFailed: the keys stay pending.
func (s *Store) CommitPending() error {
	s.pendingMu.Lock()
	if len(s.pending) == 0 {
		s.pendingMu.Unlock()
		return nil
	}
	batch := make([]pendingKey, 0, len(s.pending))
	for _, p := range s.pending {
		batch = append(batch, p)
	}
	s.pendingMu.Unlock()

	// As commitWrites: dbMu, not mu (a DataKey holds mu shared while it makes a pending key), and
	// the marks taken under it.
	s.dbMu.Lock()
	marks, seq := s.heldMarks()
	if afterHeldMarks != nil {
		afterHeldMarks(seq)
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		keys := tx.Bucket(bucketKeys)
		// A key made before a rotation (Rotate) is wrapped by the current master key as it is
		// written: Rotate re-wraps only the records it finds, and this transaction either comes
		// before its first batch's (which then finds the record) or reads the ring it stored.
		ring := s.ring.Load()
		for _, p := range batch {
			if _, found, err := getRecord(keys, p.rec.Subject); err != nil {
				return err
			} else if found {
				continue
			}
			rec := p.rec
			if rec.Master != ring.Current() {
				var err error
				if rec.Master, rec.Wrapped, err = ring.wrap(rec.Subject, p.raw); err != nil {
					return err
				}
			}
			if err := putRecord(tx, rec); err != nil {
				return err
			}
		}
		return writeMarks(tx, marks, seq)
	})
	if err == nil { // under dbMu, as commitWrites
		s.dropMarks(marks, seq)
	}
	s.dbMu.Unlock()
	if err != nil {
		return fmt.Errorf("%w: personal: the key store: %w", eventstore.ErrWriteFailed, err)
	}
	s.pendingMu.Lock()
	for _, p := range batch {
		if cur, ok := s.pending[p.rec.Subject]; ok && cur.key == p.key {
			delete(s.pending, p.rec.Subject)
		}
	}
	s.pendingMu.Unlock()
	s.signal()
	return nil
}
