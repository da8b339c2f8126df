package projections

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"time"

	"github.com/nordledger/ledger/domain"
	bolt "go.etcd.io/bbolt"
)

// DefaultAuditScan is how many index entries one audit query examines at most when the query
// does not say: a query whose filters match rarely returns a short page (even an empty one) with
// a Next to go on from, rather than read the index without bound.
const DefaultAuditScan = 10_000

// AuditQuery selects events of one ledger, in log order. Empty filters select everything.
type AuditQuery struct {
	LedgerNo string
	// FromPosition is the first log position considered (0 and 1: the start).
	FromPosition uint64
	// Limit is the most events returned (≤ 0: 100).
	Limit int
	// Type, Actor and CorrelationID select events with exactly that value.
	Type, Actor, CorrelationID string
	// Since and Until select events with Since ≤ time < Until; the zero time leaves a side open.
	Since, Until time.Time
	// ScanLimit is the most index entries examined (≤ 0: DefaultAuditScan).
	ScanLimit int
}

// AuditPage is one page of an audit query.
type AuditPage struct {
	Events []Event
	// Next is the position to continue from; 0 when nothing after this page can match.
	Next uint64
}

// Query answers an audit query from the indexes: the most selective of the type, actor and
// correlation-id indexes that the query names (by their counts), else the ledger's index; the
// time filters become a window of log positions found in the time index. Events are checked
// against every filter before they are returned.
func (p *Audit) Query(ctx context.Context, q AuditQuery) (AuditPage, error) {
	var page AuditPage
	if err := ctx.Err(); err != nil {
		return page, err
	}
	if q.Limit <= 0 {
		q.Limit = 100
	}
	if q.ScanLimit <= 0 {
		q.ScanLimit = DefaultAuditScan
	}
	lk := lp(nil, q.LedgerNo)
	err := p.db.view(ctx, func(tx *bolt.Tx) error {
		lo, hi, ok := window(tx, lk, q)
		if !ok {
			return nil
		}
		// The driving index: the filter with the fewest events, else every event of the ledger.
		// Actors and types are counted in audit_meta; a correlation id's entries are counted here,
		// no further than it takes to know whether they are fewer than the best of the others (or
		// than ScanLimit: past that, either index drives a page as well). On a tie the correlation
		// id drives.
		prefix, best := lk, uint64(math.MaxUint64)
		driver := tx.Bucket(bucketAuditLedger)
		meta := tx.Bucket(bucketAuditMeta)
		for _, ix := range []struct {
			bucket []byte
			value  string
		}{{bucketAuditActor, q.Actor}, {bucketAuditType, q.Type}} {
			if ix.value == "" {
				continue
			}
			pre := join(lk, lp(nil, ix.value))
			n := counter(meta.Get(countKey(nil, ix.bucket, pre)))
			if n == 0 {
				return nil // nothing has that value
			}
			if n < best {
				prefix, best, driver = pre, n, tx.Bucket(ix.bucket)
			}
		}
		if q.CorrelationID != "" {
			pre := join(lk, lp(nil, q.CorrelationID))
			corr := tx.Bucket(bucketAuditCorr)
			var enough uint64 // alone, it drives: whether it has an event is all there is to know
			if best != math.MaxUint64 {
				enough = min(best, uint64(q.ScanLimit))
			}
			n := countEntries(corr, pre, enough+1)
			if n == 0 {
				return nil // nothing has that correlation id
			}
			if n <= best {
				prefix, driver = pre, corr
			}
		}
		events := tx.Bucket(bucketAuditEvents)
		c := driver.Cursor()
		scanned := 0
		for k, _ := c.Seek(join(prefix, u64key(lo))); k != nil && bytes.HasPrefix(k, prefix) && len(k) == len(prefix)+8; k, _ = c.Next() {
			pos := binary.BigEndian.Uint64(k[len(prefix):])
			if pos > hi {
				return nil
			}
			if len(page.Events) == q.Limit || scanned == q.ScanLimit {
				page.Next = pos
				return nil
			}
			scanned++
			e, err := decodeStored(pos, events.Get(k[len(prefix):]))
			if err != nil {
				return err
			}
			if domain.StreamLedger(e.Stream) != q.LedgerNo {
				return fmt.Errorf("projections: audit: position %d of ledger %s's index holds an event of stream %s", pos, q.LedgerNo, e.Stream)
			}
			if q.matches(e) {
				page.Events = append(page.Events, e)
			}
		}
		return nil
	})
	return page, err
}

// countEntries counts the entries of one value in an index (keys prefix + position), up to max.
func countEntries(index *bolt.Bucket, prefix []byte, max uint64) uint64 {
	var n uint64
	c := index.Cursor()
	for k, _ := c.Seek(prefix); n < max && k != nil && bytes.HasPrefix(k, prefix) && len(k) == len(prefix)+8; k, _ = c.Next() {
		n++
	}
	return n
}

// window turns the query's start and time filters into the log positions [lo, hi] that can
// match; ok is false when none can. The time index is keyed by the ledger's high-water time,
// which never decreases along the log: the first entry at or after Since is the first event that
// can be that late, and an event earlier than Until has a predecessor whose high-water mark is
// below Until+MaxLate, so the first entry at or after that bound is the last that can match.
func window(tx *bolt.Tx, lk []byte, q AuditQuery) (lo, hi uint64, ok bool) {
	lo, hi = max(q.FromPosition, 1), math.MaxUint64
	if q.Since.IsZero() && q.Until.IsZero() {
		return lo, hi, true
	}
	clock, seen := decodeClock(tx.Bucket(bucketAuditMeta).Get(append([]byte("L"), lk...)))
	if !seen {
		return 0, 0, false
	}
	c := tx.Bucket(bucketAuditTime).Cursor()
	first := func(ns int64) (uint64, bool) {
		k, _ := c.Seek(join(lk, timeKey(ns)))
		if k == nil || !bytes.HasPrefix(k, lk) || len(k) != len(lk)+16 {
			return 0, false
		}
		return binary.BigEndian.Uint64(k[len(lk)+8:]), true
	}
	if !q.Since.IsZero() {
		pos, found := first(nanos(q.Since))
		if !found {
			return 0, 0, false // every event is earlier
		}
		lo = max(lo, pos)
	}
	if !q.Until.IsZero() {
		bound := nanos(q.Until)
		if bound <= math.MaxInt64-clock.MaxLate {
			bound += clock.MaxLate
		} else {
			bound = math.MaxInt64
		}
		if pos, found := first(bound); found {
			hi = pos
		}
	}
	return lo, hi, lo <= hi
}

// nanos returns t in Unix nanoseconds, clamped to what an int64 holds (years 1678 to 2262).
func nanos(t time.Time) int64 {
	switch {
	case t.Before(time.Unix(0, math.MinInt64)):
		return math.MinInt64
	case t.After(time.Unix(0, math.MaxInt64)):
		return math.MaxInt64
	}
	return t.UnixNano()
}

// matches reports whether e passes every filter of q.
func (q AuditQuery) matches(e Event) bool {
	return (q.Type == "" || e.Type == q.Type) &&
		(q.Actor == "" || e.Actor == q.Actor) &&
		(q.CorrelationID == "" || e.CorrelationID == q.CorrelationID) &&
		(q.Since.IsZero() || !e.Time.Before(q.Since)) &&
		(q.Until.IsZero() || e.Time.Before(q.Until))
}

// StreamEvents returns up to limit events of a stream in version order from version from, and
// the stream's version (0: the stream has no events).
func (p *Audit) StreamEvents(ctx context.Context, stream string, from uint64, limit int) ([]Event, uint64, error) {
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	var out []Event
	var version uint64
	prefix := lp(nil, stream)
	err := p.db.view(ctx, func(tx *bolt.Tx) error {
		events := tx.Bucket(bucketAuditEvents)
		c := tx.Bucket(bucketAuditStream).Cursor()
		// The stream's last key is the one before the first key after the stream.
		k, _ := c.Seek(join(prefix, u64key(math.MaxUint64), []byte{0}))
		if k == nil {
			k, _ = c.Last()
		} else {
			k, _ = c.Prev()
		}
		if k != nil && bytes.HasPrefix(k, prefix) && len(k) == len(prefix)+8 {
			version = binary.BigEndian.Uint64(k[len(prefix):])
		}
		for k, v := c.Seek(join(prefix, u64key(max(from, 1)))); k != nil && len(out) < limit && bytes.HasPrefix(k, prefix) && len(k) == len(prefix)+8; k, v = c.Next() {
			e, err := decodeStored(binary.BigEndian.Uint64(v), events.Get(v))
			if err != nil {
				return err
			}
			out = append(out, e)
		}
		return nil
	})
	return out, version, err
}

// CustomerAt rebuilds a customer from its stream with the aggregate's own Apply, as the command
// handler does: up to version upTo (0: no bound) and only while the events' times are not after
// at (the zero time: no bound) — the longest start of the stream whose events all happened by
// then. found is false when that start is empty (the customer did not exist yet).
func (p *Audit) CustomerAt(ctx context.Context, ledgerNo, customerNo string, upTo uint64, at time.Time) (domain.CustomerState, bool, error) {
	stream := domain.StreamName(ledgerNo, customerNo)
	c := &domain.Customer{}
	for from := uint64(1); ; {
		batch, _, err := p.StreamEvents(ctx, stream, from, 512)
		if err != nil {
			return domain.CustomerState{}, false, err
		}
		for _, e := range batch {
			if (upTo > 0 && e.Version > upTo) || (!at.IsZero() && e.Time.After(at)) {
				return c.State(), c.Exists(), nil
			}
			ev, opened, err := p.pd.Decode(ctx, e)
			if err != nil {
				return domain.CustomerState{}, false, fmt.Errorf("projections: audit: stream %s version %d: %w", stream, e.Version, err)
			}
			if err := c.ApplyStored(customerNo, domain.Recorded{Event: ev, Version: e.Version, Time: e.Time}, len(opened.Erased) > 0); err != nil {
				return domain.CustomerState{}, false, err
			}
		}
		if len(batch) < 512 {
			return c.State(), c.Exists(), nil
		}
		from = batch[len(batch)-1].Version + 1
	}
}
