package personal

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/nordledger/ledger/eventstore"
	bolt "go.etcd.io/bbolt"
)

// The key store's hot writes go through one writer goroutine:
//
//   - New customers' keys must be on disk before the event sealed with them is, so each creation
//     waits for its commit. Every creation waiting when a commit starts shares it (one
//     transaction, one fsync), with no delay: while a commit is in flight the next ones gather.
//   - The key bus's "published" marks need not be durable (a lost mark only has the key
//     published again, which the publisher recognises), so they wait in memory and ride along
//     with the next creation's commit, or are written alone after markDelay when none comes.
//     Kept apart, each mark cost an fsync that the next creation waited behind.

// maxCreateBatch is the most key creations committed together.
const maxCreateBatch = 1024

// markDelay is how long published marks wait in memory for a creation's commit to join.
const markDelay = 250 * time.Millisecond

// errClosed is returned for a key created while the store closes.
var errClosed = errors.New("personal: the key store is closed")

type createRequest struct {
	subject, master string
	wrapped         []byte
	raw             []byte // the key itself: wrapped again should the master key change before the commit
	done            chan createResult
}

type createResult struct {
	rec KeyRecord
	err error
}

// startWriter starts the writer goroutine of a writable store.
func (s *Store) startWriter() {
	s.creates = make(chan *createRequest)
	s.quit = make(chan struct{})
	s.writerDone = make(chan struct{})
	s.marks = map[string]uint64{}
	go s.runWriter()
}

// stopWriter writes the marks still held and stops the writer (once).
func (s *Store) stopWriter() {
	if s.quit == nil {
		return
	}
	s.stopOnce.Do(func() { close(s.quit) })
	<-s.writerDone
}

func (s *Store) runWriter() {
	defer close(s.writerDone)
	tick := time.NewTicker(markDelay)
	defer tick.Stop()
	for {
		var batch []*createRequest
		select {
		case r := <-s.creates:
			batch = append(batch, r)
		gather:
			for len(batch) < maxCreateBatch {
				select {
				case r := <-s.creates:
					batch = append(batch, r)
				default:
					break gather
				}
			}
		case <-tick.C:
		case <-s.quit:
			s.commitWrites(nil)
			return
		}
		s.commitWrites(batch)
	}
}

// commitWrites creates the batch's keys (or finds those made already) and writes the marks held,
// in one transaction, and answers every creation.
func (s *Store) commitWrites(batch []*createRequest) {
	// Not s.mu: DataKey holds it (shared) while it waits for this commit, and a Destroy waiting
	// for it exclusively would block a second shared hold here: a deadlock. dbMu keeps db from
	// being swapped by a compaction meanwhile, and the marks are taken under it: a SetBusSeq
	// (which holds it) between taking them and writing them would otherwise be overwritten by
	// the higher sequence they held before it.
	s.dbMu.Lock()
	marks, seq := s.heldMarks()
	if len(batch) == 0 && len(marks) == 0 && seq == 0 {
		s.dbMu.Unlock()
		return
	}
	if afterHeldMarks != nil {
		afterHeldMarks(seq)
	}
	recs := make([]KeyRecord, len(batch))
	err := s.db.Update(func(tx *bolt.Tx) error {
		keys := tx.Bucket(bucketKeys)
		// A key made before a rotation (Rotate) is wrapped by the current master key as it is
		// written, as CommitPending does (store_pending.go).
		ring := s.ring.Load()
		for i, r := range batch {
			rec, found, err := getRecord(keys, r.subject)
			if err != nil {
				return err
			}
			if !found { // else made by an earlier creation (of this batch, too)
				master, wrapped := r.master, r.wrapped
				if master != ring.Current() {
					if master, wrapped, err = ring.wrap(r.subject, r.raw); err != nil {
						return err
					}
				}
				rec = KeyRecord{Subject: r.subject, Rev: 1, Master: master, Wrapped: wrapped}
				if err := putRecord(tx, rec); err != nil {
					return err
				}
			}
			recs[i] = rec
		}
		return writeMarks(tx, marks, seq)
	})
	if err == nil { // under dbMu: a SetBusSeq and a new mark of the same sequence are not dropped unwritten
		s.dropMarks(marks, seq)
	}
	s.dbMu.Unlock()
	if err != nil {
		// A full or failing disk: the events are not stored either (callers map it like the log's).
		err = fmt.Errorf("%w: personal: the key store: %w", eventstore.ErrWriteFailed, err)
	}
	for i, r := range batch {
		r.done <- createResult{recs[i], err}
	}
	if len(batch) > 0 && err == nil {
		s.signal()
	}
}

// writeMarks removes the key bus's published marks from the outbox (those not replaced by a later
// revision), and records the stream sequence they reach (keyBusSeq) when it is higher.
func writeMarks(tx *bolt.Tx, marks map[string]uint64, seq uint64) error {
	if meta := tx.Bucket(bucketMeta); seq > 0 {
		if v := meta.Get(keyBusSeq); len(v) != 8 || binary.BigEndian.Uint64(v) < seq {
			if err := meta.Put(keyBusSeq, binary.BigEndian.AppendUint64(nil, seq)); err != nil {
				return err
			}
		}
	}
	ob := tx.Bucket(bucketOutbox)
	for subject, rev := range marks {
		if v := ob.Get([]byte(subject)); len(v) == 8 && binary.BigEndian.Uint64(v) == rev {
			if err := ob.Delete([]byte(subject)); err != nil {
				return err
			}
		}
	}
	return nil
}

// create makes subject's data key (or finds the one another caller made meanwhile) and waits
// until it is on disk.
func (s *Store) create(subject string) (KeyRecord, error) {
	raw := make([]byte, dataKeyLen)
	if _, err := rand.Read(raw); err != nil {
		return KeyRecord{}, err
	}
	master, wrapped, err := s.ring.Load().wrap(subject, raw)
	if err != nil {
		return KeyRecord{}, err
	}
	req := &createRequest{subject: subject, master: master, wrapped: wrapped, raw: raw, done: make(chan createResult, 1)}
	select {
	case s.creates <- req:
	case <-s.quit:
		return KeyRecord{}, errClosed
	}
	res := <-req.done
	return res.rec, res.err
}

// afterHeldMarks, set only by tests, runs in commitWrites and CommitPending once the held marks
// are taken, before they are written.
var afterHeldMarks func(seq uint64)

// heldMarks returns a copy of the marks not yet written, and the stream sequence they reach.
func (s *Store) heldMarks() (map[string]uint64, uint64) {
	s.marksMu.Lock()
	defer s.marksMu.Unlock()
	if len(s.marks) == 0 {
		return nil, s.busSeq
	}
	out := make(map[string]uint64, len(s.marks))
	for k, v := range s.marks {
		out[k] = v
	}
	return out, s.busSeq
}

// dropMarks forgets the written marks (those not replaced by a later revision meanwhile) and the
// written sequence (unless a higher one came meanwhile).
func (s *Store) dropMarks(written map[string]uint64, seq uint64) {
	s.marksMu.Lock()
	defer s.marksMu.Unlock()
	if s.busSeq == seq {
		s.busSeq = 0
	}
	for k, v := range written {
		if s.marks[k] == v {
			delete(s.marks, k)
		}
	}
}
