package eventstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/nordledger/ledger/internal/keyindex"
	"github.com/nordledger/ledger/internal/tracing"
	bolt "go.etcd.io/bbolt"
	"go.opentelemetry.io/otel/trace"
)

// Limits of an append request.
const (
	MaxStreamLen   = 512      // bytes of a stream name
	MaxKeyLen      = 512      // bytes of a reservation key
	MaxEventData   = 4 << 20  // bytes of one event's data
	MaxMetadataLen = 1024     // bytes of type, actor, correlation id or causation id
	maxAppendBytes = 32 << 20 // bytes of all events of one append
)

type appendOp struct {
	req AppendRequest
	// res and err are the append's outcome, set before committed is closed.
	res AppendResult
	err error
	// applyErr is the failure of the stages after the commit (set before answered is closed).
	applyErr  error
	committed chan struct{} // closed when the outcome is known: durable, refused, or failed
	answered  chan struct{} // closed when the append's group is through the stages after the commit
	// span is the append's span (tracing.NoSpan when its trace is not recorded); group the span
	// context of the group commit it joined, when that records (trace.go).
	span  trace.Span
	group trace.SpanContext
}

// Append appends req.Events to req.Stream if the stream is at req.ExpectedVersion, together with
// the key releases and claims of the request, in one transaction. It returns once the events are
// durable and through the commit pipeline's later stages (Options.Applier: ledgerd's read models
// then hold them), and so does a refused append: its answer is given once everything it was
// decided against has been applied. Errors: ErrWrongExpectedVersion, ErrReservationConflict,
// ErrEventIDReused, ErrInvalidAppend, ErrClosed, ErrReadOnly, ErrWriteFailed wrapping the I/O
// error (nothing of the append was written), or an error matching ErrNotApplied.
//
// If ctx ends before the append reaches the writer, Append returns ctx.Err() and nothing is
// written. Once handed to the writer the append's outcome is awaited regardless of ctx: a write
// is never reported as not done when it was done. If ctx ends after the outcome is durable but
// before the later stages are through, Append returns the outcome (res, and the refusal if it was
// refused) joined with an error matching ErrNotApplied: the events are stored, their effects lag.
func (s *Store) Append(ctx context.Context, req AppendRequest) (res AppendResult, err error) {
	_, span := tracing.StartChild(ctx, SpanAppend)
	var op *appendOp
	if span.IsRecording() {
		defer func() { traceAppend(span, op, len(req.Events), res, err) }()
	}
	if s.opts.ReadOnly {
		return AppendResult{}, ErrReadOnly
	}
	if err := validateRequest(&req); err != nil {
		return AppendResult{}, err
	}
	start := time.Now()
	op = &appendOp{req: req, span: span, committed: make(chan struct{}), answered: make(chan struct{})}
	select {
	case s.queue <- op:
	case <-s.closing:
		return AppendResult{}, ErrClosed
	case <-ctx.Done():
		return AppendResult{}, ctx.Err()
	}
	<-op.committed
	s.observeAppend(start, op.err)
	if op.err != nil && !isRequestError(op.err) {
		return op.res, op.err // nothing of it was written
	}
	select {
	case <-op.answered:
		if op.applyErr != nil {
			return op.res, errors.Join(op.err, op.applyErr)
		}
		return op.res, op.err
	case <-ctx.Done():
		return op.res, errors.Join(op.err, &NotAppliedError{Position: op.res.LastPosition, Err: ctx.Err()})
	}
}

// validateRequest checks the request's shape and normalizes event times to UTC.
func validateRequest(req *AppendRequest) error {
	switch {
	case req.Stream == "":
		return invalidf("empty stream name")
	case len(req.Stream) > MaxStreamLen || strings.IndexByte(req.Stream, 0) >= 0:
		return invalidf("stream name longer than %d bytes or containing NUL", MaxStreamLen)
	case len(req.Events) == 0:
		return invalidf("no events")
	case req.ExpectedVersion < StreamExists:
		return invalidf("expected version %d", int64(req.ExpectedVersion))
	}
	total := 0
	seen := make(map[uuid.UUID]struct{}, len(req.Events))
	events := make([]EventData, len(req.Events))
	for i, e := range req.Events {
		switch {
		case e.ID == uuid.Nil:
			return invalidf("event %d: nil id", i)
		case e.Type == "" || len(e.Type) > MaxMetadataLen:
			return invalidf("event %d: type empty or too long", i)
		case e.SchemaVersion < 1:
			return invalidf("event %d: schema version %d", i, e.SchemaVersion)
		case len(e.Actor) > MaxMetadataLen || len(e.CorrelationID) > MaxMetadataLen || len(e.CausationID) > MaxMetadataLen ||
			len(e.TraceParent) > MaxMetadataLen || len(e.TraceState) > MaxMetadataLen:
			return invalidf("event %d: metadata too long", i)
		case len(e.Data) > MaxEventData:
			return invalidf("event %d: data larger than %d bytes", i, MaxEventData)
		case !json.Valid(e.Data):
			return invalidf("event %d: data is not JSON", i)
		case e.Time.IsZero():
			return invalidf("event %d: zero time", i)
		}
		if _, dup := seen[e.ID]; dup {
			return &EventIDReusedError{ID: e.ID}
		}
		seen[e.ID] = struct{}{}
		total += len(e.Data)
		e.Time = e.Time.UTC().Round(0)
		events[i] = e
	}
	if total > maxAppendBytes {
		return invalidf("events larger than %d bytes together", maxAppendBytes)
	}
	for _, k := range append(append([]string(nil), req.Claims...), req.Releases...) {
		if k == "" || len(k) > MaxKeyLen {
			return invalidf("reservation key empty or longer than %d bytes", MaxKeyLen)
		}
	}
	req.Events = events
	return nil
}

// writer is the goroutine that commits appends: it takes every append waiting when the previous
// commit finished (up to MaxBatch) into one transaction and one fsync. With Options.Prepare it
// only gathers and prepares the groups, and committer commits them: a group is prepared while the
// one before it commits.
func (s *Store) writer() {
	defer func() {
		if s.commitQ != nil {
			close(s.commitQ)
		} else {
			close(s.writerDone)
		}
	}()
	var buf []byte
	for {
		var batch []*appendOp
		select {
		case op := <-s.queue:
			batch = append(make([]*appendOp, 0, 64), op)
		case <-s.closing:
			return
		}
		g := &group{ops: s.gather(batch)}
		s.traceGroup(g) // trace.go
		if s.commitQ != nil {
			start := g.stageStart()
			if err := s.opts.Prepare(); err != nil {
				g.err = fmt.Errorf("%w: preparing the group: %w", ErrWriteFailed, err)
			}
			g.traceStage(SpanPrepare, start, g.err)
			s.commitQ <- g
			continue
		}
		buf = s.commitGroup(g, buf)
	}
}

// committer commits the groups the writer prepared (Options.Prepare), in order.
func (s *Store) committer() {
	defer close(s.writerDone)
	var buf []byte
	for g := range s.commitQ {
		buf = s.commitGroup(g, buf)
	}
}

// commitGroup commits a group (unless its preparation failed) and hands it on: to the applier,
// or, without one, to its appenders. It returns the record buffer to reuse.
func (s *Store) commitGroup(g *group, buf []byte) []byte {
	s.committing.Store(true)
	if g.err == nil {
		buf = s.commit(g, buf[:0])
		if cap(buf) > 8<<20 {
			buf = nil // do not keep a huge buffer after a burst of large events
		}
	}
	s.committing.Store(false)
	s.committed(g)
	return buf
}

// gather adds every append waiting to the batch. Appenders answered by the previous commit are
// usually still preparing their next append, so gather yields the processor and gathers again as
// long as more keep arriving (a few rounds at most): without this the appenders split into two
// cohorts that alternate, each committing half-full groups.
func (s *Store) gather(batch []*appendOp) []*appendOp {
	for round := 0; round < 4 && len(batch) < s.opts.MaxBatch; round++ {
		before := len(batch)
	drain:
		for len(batch) < s.opts.MaxBatch {
			select {
			case op := <-s.queue:
				batch = append(batch, op)
			default:
				break drain
			}
		}
		if round > 0 && len(batch) == before {
			break
		}
		runtime.Gosched()
	}
	return batch
}

// commitFault, set only by tests, fails a group's transaction after its appends were applied, as
// a write failing at the commit does: the whole transaction rolls back.
var commitFault func() error

// commit runs one write transaction for the group and sets each append's outcome. A transaction
// that fails fails every append of the group, the refused ones too: nothing of the group is
// written, and a refusal may have been decided against an earlier append of the group.
func (s *Store) commit(g *group, buf []byte) []byte {
	var head uint64
	start := time.Now()
	var synced time.Time // when the transaction's commit (pages written, fsync) began
	var events []Event
	// The unique keys' look-up is read again after a failed commit (below) before the next
	// transaction uses it: a claim missing from it would let a second stream claim its key.
	if err := loadClaims(s.db, &s.claims); err != nil {
		g.err = fmt.Errorf("%w: reading the unique keys: %w", ErrWriteFailed, err)
		return buf
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		w := newTxWriter(tx, &s.claims, buf)
		for _, op := range g.ops {
			res, err := w.apply(&op.req)
			if err != nil && !isRequestError(err) {
				return err // I/O or internal failure: the whole transaction rolls back
			}
			op.res, op.err = res, err
		}
		if commitFault != nil {
			if err := commitFault(); err != nil {
				return err
			}
		}
		head = w.events.Sequence()
		buf, events = w.buf, w.committed
		synced = g.stageStart()
		return nil
	})
	if err != nil {
		g.err = fmt.Errorf("%w: %w", ErrWriteFailed, err)
		// What the file holds now is not certain: bbolt writes the meta page before its fsync,
		// and when that fails it rolls back in memory yet reads its meta from the file — the
		// transaction may count as committed while its commit handlers (the look-up's changes)
		// never ran. The look-up is read again from the file before the next transaction.
		s.claims.Drop()
	} else {
		g.events, g.head = events, head
		s.stats.commits.Add(1)
		s.stats.appends.Add(uint64(len(g.ops)))
		if head != s.head.Load() {
			s.head.Store(head)
			s.notify()
		}
	}
	if s.opts.Observer != nil {
		s.opts.Observer.ObserveCommit(len(g.ops), time.Since(start), err)
	}
	g.traceCommit(start, synced, err) // trace.go
	return buf
}

// isRequestError reports whether err is about one request (its checks), not the transaction.
func isRequestError(err error) bool {
	_, wrong := err.(*WrongExpectedVersionError)
	_, reserved := err.(*ReservationConflictError)
	_, reused := err.(*EventIDReusedError)
	return wrong || reserved || reused
}

// txWriter applies appends inside one write transaction.
type txWriter struct {
	events, index, ids *bolt.Bucket
	claims             *claimsTx
	buf                []byte
	committed          []Event // the events written, in log order (for the applier)
}

func newTxWriter(tx *bolt.Tx, claims *keyindex.Index, buf []byte) *txWriter {
	w := &txWriter{
		events: tx.Bucket(bucketEvents),
		index:  tx.Bucket(bucketStreamIndex),
		ids:    tx.Bucket(bucketEventIDs),
		claims: newClaimsTx(tx, claims),
		buf:    buf,
	}
	w.events.FillPercent = 1.0 // keys only ever increase: pack pages full
	return w
}

// apply checks one request against the transaction's current state (which includes earlier
// requests of the batch) and, only if every check passes, writes it. A request error leaves the
// transaction untouched.
func (w *txWriter) apply(req *AppendRequest) (AppendResult, error) {
	if res, dup, err := w.duplicate(req); dup || err != nil {
		return res, err
	}
	version := streamVersion(w.index, req.Stream)
	if !req.ExpectedVersion.matches(version) {
		return AppendResult{}, &WrongExpectedVersionError{Stream: req.Stream, Expected: req.ExpectedVersion, Actual: version}
	}
	if err := w.reserve(req); err != nil {
		return AppendResult{}, err
	}
	res := AppendResult{}
	for i := range req.Events {
		d := &req.Events[i]
		pos, err := w.events.NextSequence()
		if err != nil {
			return AppendResult{}, err
		}
		version++
		e := Event{ID: d.ID, Stream: req.Stream, Version: version, Position: pos, Type: d.Type,
			SchemaVersion: d.SchemaVersion, Time: d.Time, Actor: d.Actor, CorrelationID: d.CorrelationID,
			CausationID: d.CausationID, TraceParent: d.TraceParent, TraceState: d.TraceState, Data: d.Data}
		start := len(w.buf)
		w.buf = appendRecord(w.buf, &e)
		// bbolt keeps references to keys and values until commit: they live in w.buf, which is not
		// reused before the transaction ends (a grown buffer leaves the old array intact).
		record := w.buf[start:len(w.buf):len(w.buf)]
		posKey := u64(pos)
		if err := w.events.Put(posKey, record); err != nil {
			return AppendResult{}, err
		}
		if err := w.index.Put(streamIndexKey(req.Stream, version), posKey); err != nil {
			return AppendResult{}, err
		}
		if err := w.ids.Put(append([]byte(nil), d.ID[:]...), posKey); err != nil {
			return AppendResult{}, err
		}
		e.Decided = d.Decided
		w.committed = append(w.committed, e)
		if i == 0 {
			res.FirstPosition = pos
		}
		res.LastPosition = pos
	}
	res.Version = version
	return res, nil
}

// reserve checks the request's claims and releases and, only if no claim is held by another
// stream, writes them: a key the stream holds and releases is freed, a key it claims and does not
// hold is taken (releasing and claiming one key keeps it).
func (w *txWriter) reserve(req *AppendRequest) error {
	if len(req.Claims) == 0 && len(req.Releases) == 0 {
		return nil
	}
	type keyAt struct {
		key string
		d   keyindex.Digest
		n   uint64 // the claim to release
	}
	var releases []keyAt
	for _, k := range req.Releases {
		if s, n, d, ok := w.claims.holder(k); ok && string(s) == req.Stream && !slices.Contains(req.Claims, k) &&
			!slices.ContainsFunc(releases, func(r keyAt) bool { return r.key == k }) {
			releases = append(releases, keyAt{k, d, n})
		}
	}
	var claims []keyAt
	for _, k := range req.Claims {
		s, _, d, ok := w.claims.holder(k)
		switch {
		case ok && string(s) != req.Stream:
			return &ReservationConflictError{Key: k, Holder: string(s)}
		case !ok && !slices.ContainsFunc(claims, func(c keyAt) bool { return c.key == k }):
			claims = append(claims, keyAt{key: k, d: d})
		}
	}

	// Every check passed: write.
	for _, r := range releases {
		if err := w.claims.release(r.d, r.n); err != nil {
			return err
		}
	}
	for _, c := range claims {
		if err := w.claims.claim(req.Stream, c.key, c.d); err != nil {
			return err
		}
	}
	return nil
}

// duplicate detects an idempotent retry: every event id already stored, in this stream, in order,
// consecutively, with the same type, schema version and data. Then it returns the original result.
// Any other reuse of a stored id is an EventIDReusedError.
func (w *txWriter) duplicate(req *AppendRequest) (AppendResult, bool, error) {
	var res AppendResult
	found := 0
	for i := range req.Events {
		d := &req.Events[i]
		v := w.ids.Get(d.ID[:])
		if v == nil {
			continue
		}
		found++
		pos := binary.BigEndian.Uint64(v)
		stored, err := decodeRecord(pos, w.events.Get(v))
		if err != nil {
			return res, false, err
		}
		same := stored.Stream == req.Stream && stored.Type == d.Type && stored.SchemaVersion == d.SchemaVersion &&
			bytes.Equal(stored.Data, d.Data) && (i == 0 || pos == res.LastPosition+1)
		if !same || found != i+1 {
			return AppendResult{}, false, &EventIDReusedError{ID: d.ID, Position: pos}
		}
		if i == 0 {
			res.FirstPosition = pos
		}
		res.LastPosition, res.Version = pos, stored.Version
	}
	switch found {
	case 0:
		return res, false, nil
	case len(req.Events):
		res.Duplicate = true
		return res, true, nil
	}
	// The leading events are stored, the rest are new: a retry may not add events.
	return AppendResult{}, false, &EventIDReusedError{ID: req.Events[0].ID, Position: res.FirstPosition}
}
