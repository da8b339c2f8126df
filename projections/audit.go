package projections

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore/personal"
	bolt "go.etcd.io/bbolt"
)

// AuditName is the stable name of the audit projection.
const AuditName = "audit"

// The audit projection's buckets. Keys are made of length-prefixed parts (lp) so no value can
// reach into another's key range, and end in a big-endian log position, so each index lists its
// positions in log order.
var (
	bucketAuditEvents = []byte("audit_events") // position → JSON of the stored event (the §9 envelope)
	bucketAuditStream = []byte("audit_stream") // lp(stream) version → position
	bucketAuditLedger = []byte("audit_ledger") // lp(ledger) position → ""
	bucketAuditTime   = []byte("audit_time")   // lp(ledger) highWater(time) position → ""
	bucketAuditActor  = []byte("audit_actor")  // lp(ledger) lp(actor) position → ""
	bucketAuditType   = []byte("audit_type")   // lp(ledger) lp(type) position → ""
	bucketAuditCorr   = []byte("audit_corr")   // lp(ledger) lp(correlationId) position → ""
	bucketAuditMeta   = []byte("audit_meta")   // "L" lp(ledger) → ledgerClock; "C" index key prefix → count (actor and type only)
)

// Audit is the audit index: a copy of every stored event (the whole §9 envelope, data included)
// and secondary indexes of each ledger's events by time, actor, type and correlation id, plus
// each stream's events by version. It answers the audit routes and time travel (a customer
// rebuilt from its stream up to a version or time) on a writer and on a reader replica alike: a
// reader has no event log, and one source keeps both roles' answers equal.
//
// The ledger of an event is its stream's first segment ("{ledgerNo}/customers/..." and
// "{ledgerNo}/lookups/..."); every ledger-wide query starts from a key prefixed with its ledger,
// so one ledger's events are never reached from another's.
type Audit struct {
	db    *DB
	batch *auditBatch         // between BeginBatch and EndBatch (audit_batch.go)
	pd    *personal.Protector // Protect; opens sealed events for time travel
}

// NewAudit returns the audit projection over db.
func NewAudit(db *DB) *Audit { return &Audit{db: db} }

// Name implements Projection.
func (*Audit) Name() string { return AuditName }

// Version implements Projection. Version 2: no count per correlation id (audit_meta keeps the
// counts of actors and types; a query counts a correlation id's few events itself). A client's
// own correlation ids are random, and each count was one more random leaf per write.
func (*Audit) Version() uint32 { return 2 }

// Buckets implements Projection.
func (*Audit) Buckets() [][]byte {
	return [][]byte{bucketAuditEvents, bucketAuditStream, bucketAuditLedger, bucketAuditTime,
		bucketAuditActor, bucketAuditType, bucketAuditCorr, bucketAuditMeta}
}

// ledgerClock is a ledger's time index state. HighWater is the latest event time seen so far in
// the ledger (the time index is keyed by it, so the index is ordered like the log); MaxLate is
// the most an event's time has ever been behind the high-water mark of the events before it.
// Event times follow the log order only roughly (a command's time is taken before it queues for
// its customer's lock), and MaxLate bounds how far past `until` a query must look.
type ledgerClock struct {
	HighWater int64 // Unix nanoseconds
	MaxLate   int64 // nanoseconds
}

func (c ledgerClock) encode() []byte {
	b := binary.BigEndian.AppendUint64(nil, uint64(c.HighWater))
	return binary.BigEndian.AppendUint64(b, uint64(c.MaxLate))
}

func decodeClock(b []byte) (ledgerClock, bool) {
	if len(b) != 16 {
		return ledgerClock{}, false
	}
	return ledgerClock{int64(binary.BigEndian.Uint64(b)), int64(binary.BigEndian.Uint64(b[8:]))}, true
}

// Apply implements Projection.
func (p *Audit) Apply(tx *bolt.Tx, e Event) error {
	return p.applyPrepared(tx, e, p.prepare(e))
}

// auditEvent is what the audit stores of an event, encoded (prepare): everything but the time
// index's key and the counts, which depend on the events before.
type auditEvent struct {
	pos       []byte // the log position's key
	rec       []byte // JSON of the event
	streamKey []byte // in audit_stream
	lk        []byte // lp(ledger); nil when the stream has no ledger
	ledgerKey []byte // in audit_ledger
	clockKey  []byte // the ledger's clock in audit_meta
	ix        [3]auditIndexEntry
	err       error
}

// auditIndexEntry is an event's entry in the actor, type or correlation-id index (none when key
// is nil).
type auditIndexEntry struct {
	bucket   []byte
	key      []byte // in bucket: lp(ledger) lp(value) position
	countKey []byte // the value's count in audit_meta; nil for a correlation id (not counted)
}

// prepare implements preparer.
func (p *Audit) prepare(e Event) any {
	a := &auditEvent{}
	if a.rec, a.err = marshalEvent(e); a.err != nil {
		return a
	}
	// Every key in one allocation: a rebuild prepares every event of the log.
	k := keys(make([]byte, 0, 160+2*len(e.Stream)+2*(len(e.Actor)+len(e.Type)+len(e.CorrelationID))))
	a.pos = k.key(binary.BigEndian.AppendUint64(k.start(), e.Position))
	a.streamKey = k.key(binary.BigEndian.AppendUint64(lp(k.start(), e.Stream), e.Version))
	ledger := domain.StreamLedger(e.Stream)
	if ledger == "" {
		return a // no ledger: reachable by stream only
	}
	a.lk = k.key(lp(k.start(), ledger))
	a.clockKey = k.key(append(append(k.start(), 'L'), a.lk...))
	a.ledgerKey = k.key(append(append(k.start(), a.lk...), a.pos...))
	for i, ix := range []struct {
		bucket []byte
		value  string
	}{{bucketAuditActor, e.Actor}, {bucketAuditType, e.Type}, {bucketAuditCorr, e.CorrelationID}} {
		if ix.value == "" {
			continue
		}
		prefix := k.key(lp(append(k.start(), a.lk...), ix.value))
		a.ix[i] = auditIndexEntry{bucket: ix.bucket, key: k.key(append(append(k.start(), prefix...), a.pos...))}
		if counted(ix.bucket) {
			a.ix[i].countKey = k.key(countKey(k.start(), ix.bucket, prefix))
		}
	}
	return a
}

// keys hands out keys appended one after the other in one buffer: k.key(append(k.start(), ...))
// returns the bytes appended since start, capped so that no append to them reaches the next key.
// (A buffer outgrown is left to the keys already in it.)
type keys []byte

func (k *keys) start() []byte { return (*k)[len(*k):] }

func (k *keys) key(appended []byte) []byte {
	if cap(appended) > 0 && cap(appended) == cap((*k)[len(*k):]) {
		// Appended in place: the buffer grows by the key.
		*k = (*k)[:len(*k)+len(appended)]
	}
	return appended[:len(appended):len(appended)]
}

// applyPrepared implements preparer.
func (p *Audit) applyPrepared(tx *bolt.Tx, e Event, prepared any) error {
	a := prepared.(*auditEvent)
	if a.err != nil {
		return a.err
	}
	if err := appendOnly(tx, bucketAuditEvents).Put(a.pos, a.rec); err != nil {
		return err
	}
	if err := tx.Bucket(bucketAuditStream).Put(a.streamKey, a.pos); err != nil {
		return err
	}
	if e.Type == domain.TypeCustomerForgotten && p.pd != nil {
		// The key is held destroyed from here on, as the customer projection's forget does: the
		// audit index may be rebuilt alone (its code version changed) behind a customer
		// projection that applied the forget long ago, on a reader whose key bus may still hand
		// out the key (Set.EvictForgotten).
		p.pd.Evict(e.Stream)
	}
	if a.lk == nil {
		return nil // no ledger: reachable by stream only
	}
	t := e.Time.UnixNano()
	clock, seen := decodeClock(p.metaGet(tx, a.clockKey))
	switch {
	case !seen || t > clock.HighWater:
		clock.HighWater = t
	case clock.HighWater-t > clock.MaxLate:
		clock.MaxLate = clock.HighWater - t
	}
	if err := p.metaPut(tx, a.clockKey, clock.encode()); err != nil {
		return err
	}
	if err := appendOnly(tx, bucketAuditLedger).Put(a.ledgerKey, nil); err != nil {
		return err
	}
	if err := appendOnly(tx, bucketAuditTime).Put(join(a.lk, timeKey(clock.HighWater), a.pos), nil); err != nil {
		return err
	}
	for _, ix := range a.ix {
		if ix.key == nil {
			continue
		}
		if err := tx.Bucket(ix.bucket).Put(ix.key, nil); err != nil {
			return err
		}
		if ix.countKey == nil {
			continue
		}
		if err := p.metaPut(tx, ix.countKey, u64key(counter(p.metaGet(tx, ix.countKey))+1)); err != nil {
			return err
		}
	}
	return nil
}

var _ preparer = (*Audit)(nil)

// appendOnly returns a bucket whose keys only ever grow (within a ledger's range), with its pages
// filled completely when they split: bbolt's default of half-full pages suits random inserts,
// but a page left of an append is never written again, so half of it would stay empty forever
// (twice the file, twice the pages written per commit).
func appendOnly(tx *bolt.Tx, name []byte) *bolt.Bucket {
	b := tx.Bucket(name)
	b.FillPercent = 1
	return b
}

// counted reports whether the index's values are counted in audit_meta: actors and types are few
// and each is shared by many events, so their counts are a handful of records that stay hot; a
// correlation id names one request's events, and counting each would put a record on a random
// leaf of audit_meta for every request.
func counted(index []byte) bool { return !bytes.Equal(index, bucketAuditCorr) }

// countKey appends the audit_meta key of the count of an index's value (prefix: lp(ledger)
// lp(value)) to dst.
func countKey(dst, index, prefix []byte) []byte {
	return append(append(append(append(dst, 'C'), index...), 0), prefix...)
}

// counter decodes a counter's value (0 when absent).
func counter(v []byte) uint64 {
	if len(v) == 8 {
		return binary.BigEndian.Uint64(v)
	}
	return 0
}

// decodeStored decodes a stored event.
func decodeStored(pos uint64, v []byte) (Event, error) {
	var e Event
	if v == nil {
		return e, fmt.Errorf("projections: audit: indexed position %d has no stored event", pos)
	}
	if err := json.Unmarshal(v, &e); err != nil {
		return e, fmt.Errorf("projections: audit: stored event %d: %w", pos, err)
	}
	return e, nil
}

// lp appends s, length-prefixed, to dst.
func lp(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

func u64key(v uint64) []byte { return binary.BigEndian.AppendUint64(make([]byte, 0, 8), v) }

// timeKey encodes Unix nanoseconds so that byte order is time order (negative times included).
func timeKey(ns int64) []byte { return u64key(uint64(ns) ^ 1<<63) }

func join(parts ...[]byte) []byte {
	var n int
	for _, p := range parts {
		n += len(p)
	}
	out := make([]byte, 0, n)
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}
