package personal

import (
	"crypto/rand"

	bolt "go.etcd.io/bbolt"
)

// PutKeys writes a live key record wrapped by ring's current master key for each subject, ten
// thousand per transaction: a store of many customers' keys without a commit (and fsync) each.
func PutKeys(s *Store, ring *MasterKeys, subjects []string) error {
	for len(subjects) > 0 {
		batch := subjects[:min(len(subjects), 10_000)]
		subjects = subjects[len(batch):]
		err := s.db.Update(func(tx *bolt.Tx) error {
			for _, sub := range batch {
				raw := make([]byte, dataKeyLen)
				if _, err := rand.Read(raw); err != nil {
					return err
				}
				id, wrapped, err := ring.wrap(sub, raw)
				if err != nil {
					return err
				}
				if err := putRecord(tx, KeyRecord{Subject: sub, Rev: 1, Master: id, Wrapped: wrapped}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}
