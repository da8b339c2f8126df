package main

import (
	"encoding/binary"
	"sync"
	"sync/atomic"

	bolt "go.etcd.io/bbolt"
)

// groupLog is the least a durable append costs on this disk: a bbolt file and one writer
// goroutine that takes every append waiting when the previous commit finished into one
// transaction and one fsync (sequential keys, nothing else: no index, no ids, no reservations).
// The disk ceiling drives it in the harness's process; the http+log ceiling behind a minimal
// net/http handler in its own process, as ledgerd serves its writes.
type groupLog struct {
	db      *bolt.DB
	queue   chan logPut
	stop    chan struct{}
	done    sync.WaitGroup
	commits atomic.Int64
	puts    atomic.Int64
}

type logPut struct {
	value []byte
	done  chan error
}

var logBucket = []byte("raw")

// openGroupLog creates the log in a new file at path and starts its writer.
func openGroupLog(path string, concurrency int) (*groupLog, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{NoFreelistSync: true, FreelistType: bolt.FreelistMapType, InitialMmapSize: 256 << 20})
	if err != nil {
		return nil, err
	}
	if err := db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucketIfNotExists(logBucket); return err }); err != nil {
		db.Close()
		return nil, err
	}
	l := &groupLog{db: db, queue: make(chan logPut, concurrency), stop: make(chan struct{})}
	l.done.Add(1)
	go l.writer()
	return l, nil
}

// append puts value and returns once it is durable.
func (l *groupLog) append(value []byte, done chan error) error {
	l.queue <- logPut{value: value, done: done}
	return <-done
}

func (l *groupLog) writer() {
	defer l.done.Done()
	var seq uint64
	batch := make([]logPut, 0, 1024)
	for {
		batch = batch[:0]
		select {
		case p := <-l.queue:
			batch = append(batch, p)
		case <-l.stop:
			return
		}
	drain:
		for {
			select {
			case p := <-l.queue:
				batch = append(batch, p)
			default:
				break drain
			}
		}
		err := l.db.Update(func(tx *bolt.Tx) error {
			b := tx.Bucket(logBucket)
			b.FillPercent = 1
			for _, p := range batch {
				seq++
				if err := b.Put(binary.BigEndian.AppendUint64(nil, seq), p.value); err != nil {
					return err
				}
			}
			return nil
		})
		l.commits.Add(1)
		l.puts.Add(int64(len(batch)))
		for _, p := range batch {
			p.done <- err
		}
	}
}

// close stops the writer and closes the file.
func (l *groupLog) close() error {
	close(l.stop)
	l.done.Wait()
	return l.db.Close()
}
