package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// The disk's ceiling for acknowledged writes: the raw bbolt group-commit put loop. One writer
// goroutine takes every put waiting when the previous commit finished into one transaction and
// one fsync, and nothing else (no stream index, no ids, no reservations, no HTTP): what this disk
// and bbolt allow at best. Clients (the same concurrency as the service's) each put one record of
// the size the service stored per request and wait for its commit, as an HTTP client waits for
// its 201. bbolt's own DB.Batch is no ceiling: its 10 ms batching delay makes it far slower
// (BENCHMARKS.md, issue 2).

// diskCeiling runs the raw loop (groupLog) in a new file in dir.
// It returns the measurement and the mean puts per commit.
func diskCeiling(ctx context.Context, dir string, o driveOptions, recordSize int) (runStats, float64, error) {
	path := filepath.Join(dir, "ceiling-raw.db")
	os.Remove(path)
	defer os.Remove(path)
	l, err := openGroupLog(path, o.Concurrency)
	if err != nil {
		return runStats{}, 0, err
	}
	defer l.close()
	value := []byte(`{"pad":"` + strings.Repeat("x", max(recordSize-10, 1)) + `"}`)
	var c0, p0 int64
	o.OnStart = func() { c0, p0 = l.commits.Load(), l.puts.Load() }
	st := driveCalls(ctx, o, func(int) func() outcome {
		done := make(chan error, 1)
		return func() outcome {
			t0 := time.Now()
			err := l.append(value, done)
			out := outcome{Op: "put", Took: time.Since(t0), ReqBytes: int64(len(value))}
			if err != nil {
				out.ErrKind, out.ErrMsg = "error", err.Error()
			}
			return out
		}
	})
	perCommit := 0.0
	if n := l.commits.Load() - c0; n > 0 {
		perCommit = float64(l.puts.Load()-p0) / float64(n)
	}
	return st, perCommit, nil
}
