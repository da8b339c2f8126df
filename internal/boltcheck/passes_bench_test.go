package boltcheck_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/nordledger/ledger/internal/boltcheck"
	bolt "go.etcd.io/bbolt"
)

// BenchmarkCrashStartPasses measures the two reads of a whole file that a start after a crash
// makes (a file written with NoFreelistSync, as the writers write theirs, and not closed cleanly):
// Check's walk of every page, key and value, and the free-page scan of bbolt's Open, which, with
// no free-page list in the file, walks every page and checks the keys' order (db.freepages). 100k
// records of 300 bytes, a tenth deleted; page cache warm.
// go test -run '^$' -bench CrashStartPasses -benchtime 10x ./internal/boltcheck
func BenchmarkCrashStartPasses(b *testing.B) {
	path := filepath.Join(b.TempDir(), "crashed.db")
	db, err := bolt.Open(path, 0o600, &bolt.Options{NoFreelistSync: true, FreelistType: bolt.FreelistMapType})
	if err != nil {
		b.Fatal(err)
	}
	value := make([]byte, 300)
	for i := 0; i < 100_000; {
		if err := db.Update(func(tx *bolt.Tx) error {
			bk, err := tx.CreateBucketIfNotExists([]byte("events"))
			if err != nil {
				return err
			}
			for end := i + 10_000; i < end; i++ {
				if err := bk.Put(fmt.Appendf(nil, "%016x", i), value); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		bk := tx.Bucket([]byte("events"))
		for i := 0; i < 100_000; i += 10 {
			if err := bk.Delete(fmt.Appendf(nil, "%016x", i)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	if err := db.Close(); err != nil { // no commit at close: the file keeps no free-page list
		b.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	mib := float64(fi.Size()) / (1 << 20)
	b.Run("walk", func(b *testing.B) {
		for b.Loop() {
			if err := boltcheck.Check(path, 0); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(mib, "file-MiB")
	})
	b.Run("freepages", func(b *testing.B) {
		for b.Loop() {
			db, err := bolt.Open(path, 0o600, &bolt.Options{NoFreelistSync: true, FreelistType: bolt.FreelistMapType})
			if err != nil {
				b.Fatal(err)
			}
			if db.Stats().FreePageN == 0 {
				b.Fatal("no free pages found: the file kept its free-page list")
			}
			if err := db.Close(); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(mib, "file-MiB")
	})
	b.Run("FindDamage", func(b *testing.B) {
		for b.Loop() {
			if err := boltcheck.FindDamage(path); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(mib, "file-MiB")
	})
}
