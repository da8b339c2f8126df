package main

import (
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The disk's ceiling for acknowledged writes: the raw bbolt group-commit put loop. One writer
// goroutine takes every put waiting when the previous commit finished into one transaction and
// one fsync, and nothing else (no stream index, no ids, no reservations, no HTTP): what this disk
// and bbolt allow at best. Clients (the same concurrency as the service's) each put one record of
// the size the service stored per request and wait for its commit, as an HTTP client waits for
// its 201. bbolt's own DB.Batch is no ceiling: its 10 ms batching delay makes it far slower
// (BENCHMARKS.md, issue 2).

// diskCeiling runs the raw loop in a new file in dir.
// It returns the measurement and the mean puts per commit.
func diskCeiling(ctx context.Context, dir string, o driveOptions, recordSize int) (runStats, float64, error) {
	path := filepath.Join(dir, "ceiling-raw.db")
	os.Remove(path)
	defer os.Remove(path)
	db, err := bolt.Open(path, 0o600, &bolt.Options{NoFreelistSync: true, FreelistType: bolt.FreelistMapType, InitialMmapSize: 256 << 20})
	if err != nil {
		return runStats{}, 0, err
	}
	defer db.Close()
	bucket := []byte("raw")
	if err := db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket(bucket); return err }); err != nil {
		return runStats{}, 0, err
	}
	value := []byte(`{"pad":"` + strings.Repeat("x", max(recordSize-10, 1)) + `"}`)
	queue := make(chan chan error, o.Concurrency)
	var commits, puts atomic.Int64
	stop := make(chan struct{})
	var writer sync.WaitGroup
	writer.Add(1)
	go func() {
		defer writer.Done()
		var seq uint64
		batch := make([]chan error, 0, 1024)
		for {
			batch = batch[:0]
			select {
			case r := <-queue:
				batch = append(batch, r)
			case <-stop:
				return
			}
		drain:
			for {
				select {
				case r := <-queue:
					batch = append(batch, r)
				default:
					break drain
				}
			}
			err := db.Update(func(tx *bolt.Tx) error {
				b := tx.Bucket(bucket)
				b.FillPercent = 1
				for range batch {
					seq++
					if err := b.Put(binary.BigEndian.AppendUint64(nil, seq), value); err != nil {
						return err
					}
				}
				return nil
			})
			commits.Add(1)
			puts.Add(int64(len(batch)))
			for _, r := range batch {
				r <- err
			}
		}
	}()
	defer func() { close(stop); writer.Wait() }()
	var c0, p0 int64
	o.OnStart = func() { c0, p0 = commits.Load(), puts.Load() }
	st := driveCalls(ctx, o, func(int) func() outcome {
		done := make(chan error, 1)
		return func() outcome {
			t0 := time.Now()
			queue <- done
			err := <-done
			out := outcome{Op: "put", Took: time.Since(t0), ReqBytes: int64(len(value))}
			if err != nil {
				out.ErrKind, out.ErrMsg = "error", err.Error()
			}
			return out
		}
	})
	perCommit := 0.0
	if n := commits.Load() - c0; n > 0 {
		perCommit = float64(puts.Load()-p0) / float64(n)
	}
	return st, perCommit, nil
}
