package projections

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"

	"github.com/nordledger/ledger/domain"
	bolt "go.etcd.io/bbolt"
)

// EvictForgotten holds every customer the read models hold as forgotten (its CustomerForgotten
// applied) as destroyed in the key source (personal.KeySource.Evict), and returns how many.
//
// A reader replica runs it on start, before it serves. It evicts a forgotten customer's key
// when it applies the CustomerForgotten, but only in memory; the key bus's tombstone may come
// later — the writer killed between the forget's event and the key's destruction, a forget
// answered 503 because the key store could not be written, the key publisher behind the relay.
// A reader started again in that window does not apply the forget again (its checkpoint is past
// it) and would be handed the live key by the key bus: its audit trail and time travel would
// open the customer's personal data again. The audit index lists the forgets by type, so this
// costs a read of the forgets, not of the customers.
func (s *Set) EvictForgotten(ctx context.Context) (int, error) {
	pd := s.Customers.pd
	if pd == nil {
		return 0, nil
	}
	n := 0
	err := s.Audit.forgottenStreams(ctx, func(stream string) {
		pd.Evict(stream)
		n++
	})
	return n, err
}

// forgottenStreams calls fn with the stream of every CustomerForgotten the audit index holds,
// ledger by ledger (each ledger's clock in audit_meta names it).
func (p *Audit) forgottenStreams(ctx context.Context, fn func(stream string)) error {
	return p.db.view(ctx, func(tx *bolt.Tx) error {
		events := tx.Bucket(bucketAuditEvents)
		types := tx.Bucket(bucketAuditType).Cursor()
		meta := tx.Bucket(bucketAuditMeta).Cursor()
		for k, _ := meta.Seek([]byte{'L'}); k != nil && k[0] == 'L'; k, _ = meta.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			lk := k[1:] // lp(ledger)
			if n, w := binary.Uvarint(lk); w <= 0 || uint64(len(lk)-w) != n {
				continue // not a ledger's clock
			}
			prefix := lp(append([]byte(nil), lk...), domain.TypeCustomerForgotten)
			for tk, _ := types.Seek(prefix); tk != nil && bytes.HasPrefix(tk, prefix) && len(tk) == len(prefix)+8; tk, _ = types.Next() {
				pos := tk[len(prefix):]
				e, err := decodeStored(binary.BigEndian.Uint64(pos), events.Get(pos))
				if err != nil {
					return err
				}
				if e.Type != domain.TypeCustomerForgotten {
					return errors.New("projections: audit: the type index names a CustomerForgotten that is not one")
				}
				fn(e.Stream)
			}
		}
		return nil
	})
}
