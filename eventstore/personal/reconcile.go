package personal

import (
	"context"
	"encoding/binary"
	"fmt"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore"
	bolt "go.etcd.io/bbolt"
)

// Log is the event log Reconcile reads: *eventstore.Store implements it.
type Log interface {
	ReadAll(ctx context.Context, from uint64, limit int) ([]eventstore.Event, error)
}

// Reconcile destroys the data key of every customer whose CustomerForgotten the log holds at a
// position after the one reconciled last and up to head, then records head as reconciled. A
// writer runs it on start: it finishes a forget that stopped between its event and the key's
// destruction (a crash), and it re-destroys the keys of customers forgotten after a restored
// key-store backup was taken — so a backup of the key store older than the log never brings a
// forgotten customer back. It returns the subjects whose keys it destroyed.
func (s *Store) Reconcile(ctx context.Context, log Log, head uint64) ([]string, error) {
	from, err := s.reconciled()
	if err != nil {
		return nil, err
	}
	var forgotten []string
	for next := from + 1; next <= head; {
		events, err := log.ReadAll(ctx, next, int(min(head-next+1, eventstore.MaxReadLimit)))
		if err != nil {
			return nil, err
		}
		if len(events) == 0 {
			break
		}
		for _, e := range events {
			if e.Type != domain.TypeCustomerForgotten {
				continue
			}
			if subject, ok := Subject(e.Stream); ok {
				rec, found, err := s.Record(subject)
				if err != nil {
					return nil, err
				}
				if !found || !rec.Destroyed {
					forgotten = append(forgotten, subject)
				}
			}
		}
		next = events[len(events)-1].Position + 1
	}
	if err := s.Destroy(ctx, forgotten...); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	err = s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(keyReconcile, binary.BigEndian.AppendUint64(nil, head))
	})
	if err != nil {
		return nil, fmt.Errorf("personal: recording the reconciled position: %w", err)
	}
	return forgotten, nil
}

// MarkReconciled records pos as reconciled while the writer runs, so that its next start reads
// only the events after it: the caller vouches that every CustomerForgotten up to pos has its
// key destroyed (app.Handler.ForgetsSettled, asked after the log's head was read). The mark only
// moves forward; Reconcile at a start may set it back (a log restored from an older backup).
func (s *Store) MarkReconciled(pos uint64) error {
	if s.opts.ReadOnly {
		return ErrReadOnly
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	err := s.db.Update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if v := meta.Get(keyReconcile); len(v) == 8 && binary.BigEndian.Uint64(v) >= pos {
			return nil
		}
		return meta.Put(keyReconcile, binary.BigEndian.AppendUint64(nil, pos))
	})
	if err != nil {
		return fmt.Errorf("personal: recording the reconciled position: %w", err)
	}
	return nil
}

// Reconciled returns the log position the key store is reconciled up to (0: never).
func (s *Store) Reconciled() (uint64, error) { return s.reconciled() }

// reconciled returns the log position Reconcile reached last (0: never ran).
func (s *Store) reconciled() (uint64, error) {
	var pos uint64
	err := s.view(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketMeta).Get(keyReconcile); len(v) == 8 {
			pos = binary.BigEndian.Uint64(v)
		}
		return nil
	})
	return pos, err
}
