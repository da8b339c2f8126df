package eventstore

import (
	"context"
	"io"

	"github.com/nordledger/ledger/internal/boltmap"
	bolt "go.etcd.io/bbolt"
)

// BackupInfo describes a backup.
type BackupInfo struct {
	Bytes int64  // the size of the copy
	Head  uint64 // the last position it holds
}

// Backup writes a consistent copy of the whole store file to w: one read transaction (bbolt's
// Tx.WriteTo), while appends go on. The copy is a store file as it was at the transaction's
// start; it also holds the file's freed pages, with whatever they held (docs/data-protection.md).
func (s *Store) Backup(ctx context.Context, w io.Writer) (BackupInfo, error) {
	var info BackupInfo
	if err := s.readable(ctx); err != nil {
		return info, err
	}
	err := s.db.View(func(tx *bolt.Tx) (err error) {
		info.Head = tx.Bucket(bucketEvents).Sequence()
		info.Bytes, err = tx.WriteTo(w)
		return err
	})
	return info, err
}

// MapUse returns how much of the file the store's pages take (bbolt's Tx.Size: what a backup
// begun now copies) and how much more they may take, at the least, before bbolt must map the file
// anew — waiting for every read transaction to end first, every append waiting meanwhile
// (internal/boltmap). While a backup runs, the pages grow with every commit: bbolt reuses no page
// freed while a read transaction that may see it is open, so each commit's rewritten pages come
// from the end of the file.
func (s *Store) MapUse() (boltmap.Use, error) { return boltmap.MapUse(s.db, s.mapped) }
