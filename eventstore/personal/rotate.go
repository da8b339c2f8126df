package personal

import (
	"context"
	"fmt"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// RotateReport is the outcome of a master key rotation.
type RotateReport struct {
	Current   string `json:"current"`   // the master key that now wraps every data key
	Rewrapped int    `json:"rewrapped"` // data keys re-wrapped by this rotation
	Keys      int    `json:"keys"`      // data keys in the store (all wrapped by Current)
	Destroyed int    `json:"destroyed"` // tombstones of forgotten customers
	// Unpublished counts the key store's records the key bus did not hold yet when a running
	// ledgerd answered (it waits a while for its publisher): reader replicas still need the old
	// master key for them. Rotate leaves it 0.
	Unpublished int `json:"unpublished,omitempty"`
}

// rotateBatch is how many data keys one transaction re-wraps.
const rotateBatch = 1000

// Rotate makes ring the store's master keys and re-wraps every data key not wrapped by its
// current key, a batch per transaction, while the store stays in use (new keys are wrapped by
// the new current key at once). ring must hold every master key a data key is wrapped by now —
// the old ones until the rotation is done — else nothing changes. The file is rewritten at the
// end, so no page keeps a key wrapped by an old master key: once Rotate returned, the old master
// keys can be removed from the configuration.
func (s *Store) Rotate(ctx context.Context, ring *MasterKeys) (RotateReport, error) {
	rep := RotateReport{Current: ring.Current()}
	if s.opts.ReadOnly {
		return rep, ErrReadOnly
	}
	missing, err := s.missingMasterKeys(ring)
	if err != nil {
		return rep, err
	}
	if len(missing) > 0 {
		return rep, fmt.Errorf("personal: rotation refused: data keys are wrapped by %s, which the new master keys lack (keep the old keys after the new current one until the rotation is done)", strings.Join(missing, ", "))
	}
	s.ring.Store(ring)
	var after []byte
	for {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		n, next, err := s.rewrapBatch(ring, after)
		if err != nil {
			return rep, err
		}
		rep.Rewrapped += n
		if next == nil {
			break
		}
		after = next
	}
	if rep.Rewrapped > 0 {
		s.signal()
	}
	if err := s.Compact(); err != nil {
		return rep, err
	}
	err = s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketKeys).ForEach(func(k, _ []byte) error {
			r, _, err := getRecord(tx.Bucket(bucketKeys), string(k))
			switch {
			case err != nil:
				return err
			case r.Destroyed:
				rep.Destroyed++
			case r.Master != ring.Current():
				return fmt.Errorf("personal: %s is still wrapped by %s after the rotation", k, r.Master)
			default:
				rep.Keys++
			}
			return nil
		})
	})
	return rep, err
}

func (s *Store) view(fn func(tx *bolt.Tx) error) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.db.View(fn)
}

// CheckMasterKeys returns an error matching ErrMasterKey when ring lacks a master key that wraps
// a data key of the store: a writer started so would serve every customer whose key it cannot
// unwrap as an internal error — an old master key removed before a rotation finished, a wrong
// key file. ledgerd checks at start.
func (s *Store) CheckMasterKeys(ring *MasterKeys) error {
	missing, err := s.missingMasterKeys(ring)
	if err != nil {
		return err
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: data keys in %s are wrapped by %s, which the master keys (%s) lack: give the master keys they were wrapped with (after a rotation that did not finish, the old key after the new one)",
			ErrMasterKey, s.path, strings.Join(missing, ", "), strings.Join(ring.IDs(), ", "))
	}
	return nil
}

// missingMasterKeys returns the ids of the master keys that wrap data keys in the store and that
// ring lacks.
func (s *Store) missingMasterKeys(ring *MasterKeys) ([]string, error) {
	used, err := s.masterIDs()
	if err != nil {
		return nil, err
	}
	var missing []string
	for _, id := range used {
		if !ring.Has(id) {
			missing = append(missing, id)
		}
	}
	return missing, nil
}

// masterIDs returns the ids of the master keys that wrap data keys in the store. It reads every
// record where the cursor holds it (recordMaster), copying nothing but each new id: a writer's
// start runs it over every customer's key (CheckMasterKeys).
func (s *Store) masterIDs() ([]string, error) {
	var ids []string
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketKeys).ForEach(func(k, v []byte) error {
			master, live, err := recordMaster(v)
			if err != nil {
				return fmt.Errorf("personal: key record of %s: %w", k, err)
			}
			if live && !containsID(ids, master) {
				ids = append(ids, string(master))
			}
			return nil
		})
	})
	slices.Sort(ids)
	return ids, err
}

// containsID reports whether ids holds id (a handful of master keys: a loop, no allocation).
func containsID(ids []string, id []byte) bool {
	for _, s := range ids {
		if s == string(id) {
			return true
		}
	}
	return false
}

// rewrapBatch re-wraps up to rotateBatch data keys after key after; next is the last key
// examined, nil at the end.
func (s *Store) rewrapBatch(ring *MasterKeys, after []byte) (n int, next []byte, err error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	err = s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketKeys)
		c := b.Cursor()
		k, _ := c.First()
		if after != nil {
			if k, _ = c.Seek(after); k != nil && string(k) == string(after) {
				k, _ = c.Next()
			}
		}
		var todo []KeyRecord
		examined := 0
		for ; k != nil && examined < rotateBatch; k, _ = c.Next() {
			examined++
			next = append([]byte(nil), k...)
			r, _, err := getRecord(b, string(k))
			if err != nil {
				return err
			}
			if !r.Destroyed && r.Master != ring.Current() {
				todo = append(todo, r)
			}
		}
		if k == nil {
			next = nil
		}
		for _, r := range todo {
			raw, err := ring.unwrap(r.Subject, r.Master, r.Wrapped)
			if err != nil {
				return err
			}
			id, wrapped, err := ring.wrap(r.Subject, raw)
			if err != nil {
				return err
			}
			if err := putRecord(tx, KeyRecord{Subject: r.Subject, Rev: r.Rev + 1, Master: id, Wrapped: wrapped}); err != nil {
				return err
			}
			n++
		}
		if n > 0 {
			return rewriteDue(tx)
		}
		return nil
	})
	return n, next, err
}
