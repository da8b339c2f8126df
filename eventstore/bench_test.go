package eventstore_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nordledger/ledger/eventstore"
	bolt "go.etcd.io/bbolt"
)

// The append benchmarks compare, in one run, the event store with the ceiling of this disk (a raw
// bbolt loop putting 400-byte values in group-committed transactions) and with bbolt's own
// DB.Batch. Run: go test -run '^$' -bench Append -benchtime 3s ./eventstore/
// Each reports appends/s and p50/p99 latency; BENCHMARKS.md keeps the figures and ratios.

var benchConcurrency = []int{1, 16, 64, 256}

var payload400 = []byte(`{"customerNo":"1234567","name":"Britt-Marie Axelstopp","emailAddress":"britt@axelstopp.com","pad":"` + strings.Repeat("x", 290) + `"}`)

func BenchmarkAppend(b *testing.B) {
	for _, c := range benchConcurrency {
		b.Run(fmt.Sprintf("store-spread/c=%d", c), func(b *testing.B) { benchStore(b, c, spreadStream) })
		b.Run(fmt.Sprintf("store-clustered/c=%d", c), func(b *testing.B) { benchStore(b, c, clusteredStream) })
		b.Run(fmt.Sprintf("store-spread-sealed/c=%d", c), func(b *testing.B) { benchSealed(b, c, spreadStream, false) })
		b.Run(fmt.Sprintf("store-spread-sealed-newkeys/c=%d", c), func(b *testing.B) { benchSealed(b, c, spreadStream, true) })
		b.Run(fmt.Sprintf("rawbolt/c=%d", c), func(b *testing.B) { benchRawBolt(b, c) })
		b.Run(fmt.Sprintf("dbbatch/c=%d", c), func(b *testing.B) { benchDBBatch(b, c) })
	}
}

// runConcurrent runs b.N operations on c goroutines and reports throughput and latency percentiles.
func runConcurrent(b *testing.B, c int, op func(worker, i int) error) {
	var next atomic.Int64
	lat := make([][]time.Duration, c)
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for w := 0; w < c; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ; i++ {
				if next.Add(1) > int64(b.N) {
					return
				}
				t0 := time.Now()
				if err := op(w, i); err != nil {
					b.Error(err)
					return
				}
				lat[w] = append(lat[w], time.Since(t0))
			}
		}(w)
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	all := slices.Concat(lat...)
	slices.Sort(all)
	if len(all) == 0 {
		return
	}
	b.ReportMetric(float64(len(all))/elapsed.Seconds(), "appends/s")
	b.ReportMetric(float64(all[len(all)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(all[len(all)*99/100].Microseconds()), "p99-µs")
	b.ReportMetric(0, "ns/op")
}

// spreadStream: each appender works on its own region of the key space, so one commit touches as
// many stream-index pages as it has appends (customers updated at random).
func spreadStream(w, i int) string { return fmt.Sprintf("1000/customers/%d", w*1_000_000+i/8) }

// clusteredStream: the streams written at one moment are neighbours in key order (customers
// created with increasing numbers), so one commit touches few stream-index pages.
func clusteredStream(w, i int) string { return fmt.Sprintf("1000/customers/%07d%03d", i/8, w) }

func benchStore(b *testing.B, c int, stream func(w, i int) string) {
	s, err := eventstore.Open(filepath.Join(b.TempDir(), "events.db"), eventstore.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	now := time.Now()
	runConcurrent(b, c, func(w, i int) error {
		_, err := s.Append(ctx, eventstore.AppendRequest{
			Stream:          stream(w, i), // 8 events per stream
			ExpectedVersion: eventstore.Exact(uint64(i % 8)),
			Events: []eventstore.EventData{{ID: uuid.Must(uuid.NewV7()), Type: "CustomerDetailsChanged", SchemaVersion: 1,
				Time: now, Actor: "bench", CorrelationID: "c", Data: payload400}},
		})
		return err
	})
	st := s.Stats()
	if st.Commits > 0 {
		b.ReportMetric(float64(st.Appends)/float64(st.Commits), "appends/commit")
	}
}

// benchRawBolt is the ceiling: a writer goroutine puts each waiting 400-byte value into one
// transaction per commit, and nothing else.
func benchRawBolt(b *testing.B, c int) {
	db, err := bolt.Open(filepath.Join(b.TempDir(), "raw.db"), 0o600, &bolt.Options{NoFreelistSync: true, FreelistType: bolt.FreelistMapType, InitialMmapSize: 256 << 20})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("raw")); return err }); err != nil {
		b.Fatal(err)
	}
	type req struct{ done chan error }
	queue := make(chan req)
	stop := make(chan struct{})
	go func() {
		var seq uint64
		for {
			var batch []req
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
				bk := tx.Bucket([]byte("raw"))
				bk.FillPercent = 1
				for range batch {
					seq++
					if err := bk.Put(binary.BigEndian.AppendUint64(nil, seq), payload400); err != nil {
						return err
					}
				}
				return nil
			})
			for _, r := range batch {
				r.done <- err
			}
		}
	}()
	defer close(stop)
	runConcurrent(b, c, func(w, i int) error {
		r := req{done: make(chan error, 1)}
		queue <- r
		return <-r.done
	})
}

// benchDBBatch uses bbolt's DB.Batch (default 10 ms MaxBatchDelay, 1000 MaxBatchSize).
func benchDBBatch(b *testing.B, c int) {
	db, err := bolt.Open(filepath.Join(b.TempDir(), "batch.db"), 0o600, &bolt.Options{NoFreelistSync: true, FreelistType: bolt.FreelistMapType, InitialMmapSize: 256 << 20})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("raw")); return err }); err != nil {
		b.Fatal(err)
	}
	runConcurrent(b, c, func(w, i int) error {
		return db.Batch(func(tx *bolt.Tx) error {
			bk := tx.Bucket([]byte("raw"))
			seq, _ := bk.NextSequence()
			return bk.Put(binary.BigEndian.AppendUint64(nil, seq), payload400)
		})
	})
}
