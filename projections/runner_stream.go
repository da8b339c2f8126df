package projections

import (
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	bolt "go.etcd.io/bbolt"
)

// The read models' mark: the position and id of the last event applied at the highest
// checkpoint, kept in the state bucket and written in the transaction that moves that
// checkpoint. A reader compares it with the event its stream holds at that position: positions
// name the same event for ever, except after the writer's log was restored from an older backup
// and new events took the positions after the backup's head (with new ids).

// keyMark is the mark's key in bucketState: big-endian position ‖ the event id's 16 bytes.
var keyMark = []byte("mark")

// putMark records e as the last event applied at the highest checkpoint.
func putMark(tx *bolt.Tx, e Event) error {
	v := binary.BigEndian.AppendUint64(make([]byte, 0, 24), e.Position)
	return tx.Bucket(bucketState).Put(keyMark, append(v, e.ID[:]...))
}

// readMark returns the recorded mark; ok is false when there is none (a file written before
// marks were kept, or reset).
func readMark(tx *bolt.Tx) (position uint64, id uuid.UUID, ok bool) {
	v := tx.Bucket(bucketState).Get(keyMark)
	if len(v) != 24 {
		return 0, uuid.Nil, false
	}
	copy(id[:], v[8:])
	return binary.BigEndian.Uint64(v), id, true
}

// StreamEventID returns the id of the event the stream holds at position ("" when it holds none
// there any more: aged out or deleted) and the stream's last position. feed.JetStream.EventAt is
// one. An error with last above 0 says the stream's end is known but the event at position
// could not be read (a NATS user not allowed to get a stream's message, a request that timed
// out): the stream's end is judged, the ids are not compared.
type StreamEventID func(ctx context.Context, position uint64) (id string, last uint64, err error)

// ResetIfNotInStream checks that the stream the reader's driver (Run) feeds the projections from
// still holds what they were built from, and resets every projection when it does not, so that
// the driver rebuilds them from the stream rather than serve events the writer's log no longer
// has (or apply the stream's new events on top of them). Two things tell:
//
//   - the stream ends before the highest checkpoint: it was refilled from an older log (or is
//     another one's);
//   - the stream holds another event at the highest checkpoint than the one applied there (the
//     mark): the writer's log was restored from an older backup and new writes took the stream
//     past the read models, new events at the positions the lost ones had.
//
// It returns why it reset them ("" when it did not). Call it before Run and whenever the feed
// starts again (feed.JetStream.Resume), when nothing is being applied; at is asked without the
// runner's apply lock. An error of at that leaves the stream's end unknown (NATS) resets nothing
// and is returned; one that leaves only the event unknown is logged (at most every
// uncheckedEvery) and the ids are not compared — a reader whose NATS user may not get a
// message goes on as before the check existed, rather than stop reading.
func (r *Runner) ResetIfNotInStream(ctx context.Context, at StreamEventID) (reason string, err error) {
	r.applyMu.Lock()
	high := r.highest()
	r.applyMu.Unlock()
	if high == 0 {
		return "", nil
	}
	id, last, atErr := at(ctx, high)
	if atErr != nil && last == 0 {
		return "", atErr
	}
	r.applyMu.Lock()
	defer r.applyMu.Unlock()
	if now := r.highest(); now != high {
		return "", nil // applied meanwhile: the feed is running, the next start checks again
	}
	if last < high {
		return r.resetAll("the read models hold positions the stream does not have (an older log restored?); rebuilding them from the stream",
			"checkpoints", slices.Clone(r.checkpoints), "streamLast", last)
	}
	if atErr != nil {
		if time.Since(r.uncheckedAt) >= uncheckedEvery {
			r.uncheckedAt = time.Now()
			r.log.Warn("projections: cannot read the stream's event at the read models' last position, to check it is the one they applied (a restored log); going on unchecked (logged again every 10 minutes while it lasts)",
				"position", high, "err", atErr)
		}
		return "", nil
	}
	var pos uint64
	var want uuid.UUID
	var ok bool
	if err := r.db.db.View(func(tx *bolt.Tx) error {
		pos, want, ok = readMark(tx)
		return nil
	}); err != nil {
		return "", fmt.Errorf("projections: reading the read models' mark: %w", err)
	}
	if !ok || pos != high || id == "" || id == want.String() {
		return "", nil // nothing to compare (no mark, or the event aged out of the stream), or the same event
	}
	return r.resetAll("the stream holds another event at the read models' last position than the one they applied there: the writer's log was restored from an older backup and written to since; rebuilding them from the stream",
		"position", high, "applied", want.String(), "stream", id, "streamLast", last)
}

// highest is the highest of the projections' checkpoints (0 with none), without allocating: the
// writer asks it at every apply. r.applyMu is held.
func (r *Runner) highest() uint64 {
	var h uint64
	for _, c := range r.checkpoints {
		h = max(h, c)
	}
	return h
}

// uncheckedEvery is how often ResetIfNotInStream logs again that it cannot read the stream's event.
const uncheckedEvery = 10 * time.Minute

// resetAll resets every projection and the mark, logging why (msg, with attrs), so that the
// driver rebuilds them all from its source; it returns msg. r.applyMu is held, nothing pending.
func (r *Runner) resetAll(msg string, attrs ...any) (string, error) {
	r.log.Warn("projections: "+msg, attrs...)
	err := r.db.db.Update(func(tx *bolt.Tx) error {
		for _, p := range r.projections {
			if err := reset(tx, p); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketState).Delete(keyMark)
	})
	if err != nil {
		return "", fmt.Errorf("projections: resetting the read models: %w", err)
	}
	for i := range r.checkpoints {
		r.checkpoints[i] = 0
		r.positions[i].Store(0)
	}
	r.low = 0
	r.wb.committed = slices.Clone(r.checkpoints)
	r.advance()
	return msg, nil
}
