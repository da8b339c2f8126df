package keysync

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nordledger/ledger/eventstore/personal"
)

// Publisher copies the key store's changes into the key bus. Run it on the writer.
type Publisher struct {
	keys     *personal.Store
	js       jetstream.JetStream
	bucket   string
	replicas int
	log      *slog.Logger

	// The bucket and its stream, made or opened once (Run's goroutine only); dropped after a
	// failure so the next attempt opens them again.
	kv     jetstream.KeyValue
	stream jetstream.Stream
	// reconnects is the connection's reconnect count when the bucket was opened: a later one
	// may be a NATS server started again on a store that lost its unsynced tail, which the
	// bucket's checks at open (refillIfRolledBack, refillIfLost) must see.
	reconnects uint64

	stuckAfter time.Duration
	idle       time.Duration // how long an idle Run waits before it looks at the bus again
	mu         sync.Mutex
	failing    time.Time // start of the current failure streak; zero after a success
	lastErr    error
}

// PublisherConfig configures a Publisher.
type PublisherConfig struct {
	Keys      *personal.Store
	JetStream jetstream.JetStream
	// Bucket is the key-value bucket (default DefaultBucket); Replicas its replicas (default 1).
	Bucket   string
	Replicas int
	// StuckAfter is how long publishing may keep failing before Stuck reports it. Default 30s.
	StuckAfter time.Duration
	Logger     *slog.Logger
}

// DefaultStuckAfter is PublisherConfig's default StuckAfter.
const DefaultStuckAfter = 30 * time.Second

// NewPublisher returns a Publisher.
func NewPublisher(cfg PublisherConfig) (*Publisher, error) {
	if cfg.Keys == nil || cfg.JetStream == nil {
		return nil, errors.New("keysync: a publisher needs the key store and JetStream")
	}
	if cfg.Bucket == "" {
		cfg.Bucket = DefaultBucket
	}
	if cfg.Replicas <= 0 {
		cfg.Replicas = 1
	}
	if cfg.StuckAfter <= 0 {
		cfg.StuckAfter = DefaultStuckAfter
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Publisher{keys: cfg.Keys, js: cfg.JetStream, bucket: cfg.Bucket, replicas: cfg.Replicas, log: cfg.Logger,
		stuckAfter: cfg.StuckAfter, idle: idleRecheck}, nil
}

// Stuck reports whether publishing has kept failing for StuckAfter (changes then wait in the key
// store, and readers cannot open what the writer seals), and since when.
func (p *Publisher) Stuck() (time.Time, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.failing, p.lastErr != nil && time.Since(p.failing) >= p.stuckAfter
}

// note records an attempt's outcome.
func (p *Publisher) note(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case err == nil:
		p.failing, p.lastErr = time.Time{}, nil
	case p.lastErr == nil:
		p.failing, p.lastErr = time.Now(), err
	default:
		p.lastErr = err
	}
}

// Run publishes every pending change of the key store, and every later one, until ctx ends. A
// NATS that is down is retried with backoff; the changes wait in the key store.
//
// A connection that reconnects wakes it at once: the server may have come back on a store that
// lost what it acknowledged (refillIfRolledBack), which the next round must see before readers
// take a key the bus should no longer hold.
func (p *Publisher) Run(ctx context.Context) error {
	var back <-chan nats.Status // nil without a connection: never ready
	if nc := p.js.Conn(); nc != nil {
		ch := nc.StatusChanged(nats.CONNECTED)
		defer nc.RemoveStatusListener(ch)
		back = ch
	}
	wait := 100 * time.Millisecond
	for {
		err := p.publishPending(ctx)
		if ctx.Err() != nil {
			return nil
		}
		p.note(err)
		if err != nil {
			p.log.Warn("cannot publish data keys to the key bus yet; retrying", "err", err, "retryIn", wait)
			select {
			case <-ctx.Done():
				return nil
			case <-back:
			case <-time.After(wait):
			}
			wait = min(2*wait, 5*time.Second)
			continue
		}
		wait = 100 * time.Millisecond
		select {
		case <-ctx.Done():
			return nil
		case <-p.keys.Changed():
		case <-back:
		case <-time.After(p.idle):
		}
	}
}

// idleRecheck is how long an idle publisher waits before it publishes (and checks the bus) again.
const idleRecheck = 30 * time.Second

// Bucket creates or opens the key bus's bucket. Its stream is made here rather than by
// CreateKeyValue, which denies message deletes: the publisher erases a replaced entry's message
// (a secure delete), which a bucket made by CreateKeyValue refuses forever.
func Bucket(ctx context.Context, js jetstream.JetStream, name string, replicas int) (jetstream.KeyValue, error) {
	_, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name: "KV_" + name, Description: "ledgerd data keys, wrapped by the master key (key bus)",
		Subjects: []string{"$KV." + name + ".>"}, MaxMsgsPerSubject: 1, MaxMsgs: -1, MaxBytes: -1, MaxMsgSize: -1,
		MaxConsumers: -1, AllowRollup: true, AllowDirect: true, Discard: jetstream.DiscardNew,
		Duplicates: 2 * time.Minute, Storage: jetstream.FileStorage, Replicas: replicas,
	})
	if err != nil {
		return nil, err
	}
	return js.KeyValue(ctx, name)
}

// publishPending publishes what the key store holds unpublished. Every request to NATS waits at
// most opWait: one whose answer is lost (a server restarting under it) must not hold up the next
// attempt.
func (p *Publisher) publishPending(ctx context.Context) (err error) {
	defer func() {
		if err != nil {
			p.kv, p.stream = nil, nil
		}
	}()
	opened := false
	if p.kv != nil && p.reconnected() {
		p.kv, p.stream = nil, nil // the server may have come back without what it acknowledged
	}
	if p.kv == nil {
		if nc := p.js.Conn(); nc != nil { // read first: a reconnect while opening is seen next time
			p.reconnects = nc.Stats().Reconnects
		}
		opCtx, cancel := context.WithTimeout(ctx, 2*opWait)
		defer cancel()
		if p.kv, err = Bucket(opCtx, p.js, p.bucket, p.replicas); err != nil {
			return err
		}
		if p.stream, err = p.js.Stream(opCtx, "KV_"+p.bucket); err != nil {
			return err
		}
		opened = true
	}
	kv, stream := p.kv, p.stream
	if opened { // before anything new is published: its sequences would hide a loss
		if err := p.refillIfRolledBack(ctx, kv, stream); err != nil {
			return err
		}
	}
	for {
		pending, err := p.keys.Pending(pendingBatch)
		if err != nil {
			return err
		}
		if len(pending) == 0 {
			if opened { // every key the store holds is on the bus now — unless the bus lost them
				return p.refillIfLost(ctx, kv, stream)
			}
			return nil
		}
		reached, err := p.keys.BusSeq()
		if err != nil {
			return err
		}
		done, seq, low, slow, err := p.publishNew(ctx, pending)
		if err != nil {
			return err
		}
		for _, r := range slow {
			s, put, err := publishOne(ctx, kv, stream, r)
			if err != nil {
				p.published(done, seq) // keep what is on the bus; the rest is tried again
				return fmt.Errorf("keysync: publishing the key of %s: %w", r.Subject, err)
			}
			done, seq = append(done, r), max(seq, s)
			if put && (low == 0 || s < low) {
				low = s
			}
		}
		if err := p.published(done, seq); err != nil {
			return err
		}
		if low != 0 && low <= reached {
			// A healthy stream acknowledges every new message above every earlier one. This one
			// went back (its store rolled back under the open bucket, or it was deleted and made
			// again), and what it lost — a forgotten customer's tombstone, with the wrapped key
			// it replaced back in the bucket — is marked published: every record again, before
			// newer sequences pass the recorded one and hide the loss.
			p.log.Warn("keysync: the key bus acknowledged a change below one it acknowledged before (its NATS store rolled back, or the bucket was made again?); publishing every key again",
				"acknowledgedNow", low, "acknowledgedBefore", reached)
			return p.refill(ctx, kv, stream)
		}
	}
}

// reconnected reports whether the connection reconnected since the bucket was opened.
func (p *Publisher) reconnected() bool {
	nc := p.js.Conn()
	return nc != nil && nc.Stats().Reconnects != p.reconnects
}

// published marks recs published, the stream having acknowledged them up to sequence seq (the
// sequence first: see personal.Store.PublishedThrough).
func (p *Publisher) published(recs []personal.KeyRecord, seq uint64) error {
	p.keys.PublishedThrough(seq)
	return p.keys.PublishedAll(recs)
}

// refillIfRolledBack publishes every record of the key store again when the bucket's stream ends
// below the sequence the store's marks reach (personal.Store.BusSeq): the NATS store lost
// messages it had acknowledged — a power loss before the server's fsync (the embedded server
// syncs every second by default), a volume restored from a snapshot — while the key store kept
// its marks. The count of entries (refillIfLost) cannot see it: a lost tombstone leaves the
// entry it replaced, the destroyed customer's wrapped key, in the bucket, where readers would
// take it and a copy of the NATS store would keep it.
func (p *Publisher) refillIfRolledBack(ctx context.Context, kv jetstream.KeyValue, stream jetstream.Stream) error {
	reached, err := p.keys.BusSeq()
	if err != nil {
		return err
	}
	opCtx, cancel := context.WithTimeout(ctx, opWait)
	info, err := stream.Info(opCtx)
	cancel()
	if err != nil {
		return err
	}
	if info.State.LastSeq >= reached {
		return nil
	}
	p.log.Warn("keysync: the key bus ends before changes it acknowledged (its NATS store rolled back?); publishing every key again",
		"lastSequence", info.State.LastSeq, "acknowledged", reached)
	return p.refill(ctx, kv, stream)
}

// refillIfLost publishes every record of the key store again when the bucket holds fewer entries
// than the store has records (one each, tombstones included): the NATS store was lost (a new
// empty volume, a power loss before the server's fsync), and the store's marks say published for
// keys the bucket no longer holds — readers would wait for them forever. It runs each time the
// bucket is opened, after the pending changes are published. Publishing again is safe: a first
// revision is put only if its key has no entry, any other compares revisions (publish).
func (p *Publisher) refillIfLost(ctx context.Context, kv jetstream.KeyValue, stream jetstream.Stream) error {
	opCtx, cancel := context.WithTimeout(ctx, opWait)
	info, err := stream.Info(opCtx)
	cancel()
	if err != nil {
		return err
	}
	n, err := p.keys.RecordCount()
	if err != nil || info.State.Msgs >= uint64(n) {
		return err
	}
	p.log.Warn("keysync: the key bus holds fewer keys than the key store (NATS lost its store?); publishing every key again",
		"onBus", info.State.Msgs, "keys", n)
	return p.refill(ctx, kv, stream)
}

// refill publishes every record of the key store again, a batch at a time: a first revision only
// where its key has no entry, any other over an older revision (publish). Then the stream's last
// sequence is what the key store records as acknowledged: a stream that lost messages (or is
// new) does not reach the sequence recorded before, and would otherwise be refilled again at
// every open.
func (p *Publisher) refill(ctx context.Context, kv jetstream.KeyValue, stream jetstream.Stream) error {
	for after := ""; ; {
		recs, err := p.keys.Records(after, pendingBatch)
		if err != nil {
			return err
		}
		if len(recs) == 0 {
			opCtx, cancel := context.WithTimeout(ctx, opWait)
			info, err := stream.Info(opCtx)
			cancel()
			if err != nil {
				return err
			}
			return p.keys.SetBusSeq(info.State.LastSeq)
		}
		_, _, _, slow, err := p.publishNew(ctx, recs)
		if err != nil {
			return err
		}
		for _, r := range slow {
			if _, _, err := publishOne(ctx, kv, stream, r); err != nil {
				return fmt.Errorf("keysync: publishing the key of %s again: %w", r.Subject, err)
			}
		}
		after = recs[len(recs)-1].Subject
	}
}

// pendingBatch is how many key store changes are published (and marked published) together.
const pendingBatch = 256

// publishNew publishes the first revisions among recs (new customers' keys: nearly every change)
// together, without waiting for each acknowledgement in turn: each is put only if its key has no
// entry yet (expected last subject sequence 0), so a retry after a lost acknowledgement cannot
// replace anything. It returns the records now on the bus, the highest and lowest sequences that
// acknowledged them (0: none), and those left to the one-by-one path (later revisions,
// tombstones, and first revisions whose entry exists already).
func (p *Publisher) publishNew(ctx context.Context, recs []personal.KeyRecord) (done []personal.KeyRecord, seq, low uint64, slow []personal.KeyRecord, err error) {
	type put struct {
		r personal.KeyRecord
		f jetstream.PubAckFuture
	}
	var puts []put
	for _, r := range recs {
		if r.Rev != 1 || r.Destroyed {
			slow = append(slow, r)
			continue
		}
		value, err := encodeEntry(r)
		if err != nil {
			return nil, 0, 0, nil, err
		}
		msg := &nats.Msg{Subject: "$KV." + p.bucket + "." + entryKey(r.Subject), Data: value}
		f, err := p.js.PublishMsgAsync(msg, jetstream.WithExpectLastSequencePerSubject(0))
		if err != nil {
			return nil, 0, 0, nil, err
		}
		puts = append(puts, put{r, f})
	}
	// Wait for the acknowledgements at most opWait: a stream that cannot write (a full disk) does
	// not answer at all.
	ackCtx, cancel := context.WithTimeout(ctx, opWait)
	defer cancel()
	for _, pu := range puts {
		select {
		case ack := <-pu.f.Ok():
			done = append(done, pu.r)
			if ack != nil {
				seq = max(seq, ack.Sequence)
				if low == 0 || ack.Sequence < low {
					low = ack.Sequence
				}
			}
		case err := <-pu.f.Err():
			var apiErr *jetstream.APIError
			if errors.As(err, &apiErr) && (apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence ||
				apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant) {
				slow = append(slow, pu.r) // an entry exists: compare revisions one by one
				continue
			}
			p.published(done, seq)
			return nil, 0, 0, nil, fmt.Errorf("keysync: publishing the key of %s: %w", pu.r.Subject, err)
		case <-ackCtx.Done():
			p.published(done, seq)
			return nil, 0, 0, nil, fmt.Errorf("keysync: waiting for the bus to acknowledge the key of %s: %w", pu.r.Subject, ackCtx.Err())
		}
	}
	return done, seq, low, slow, nil
}

// opWait bounds the wait for an answer from NATS: a batch's acknowledgements, or a request.
const opWait = 10 * time.Second

// publishOne is publish with its requests bounded by opWait.
func publishOne(ctx context.Context, kv jetstream.KeyValue, stream jetstream.Stream, r personal.KeyRecord) (uint64, bool, error) {
	ctx, cancel := context.WithTimeout(ctx, 3*opWait) // up to three requests
	defer cancel()
	return publish(ctx, kv, stream, r)
}

// publish puts a record's current revision in the bucket and returns the stream sequence that
// holds it, and whether it put it now (not: the bus held it already). The message holding the
// previous revision is erased first (overwritten on disk), so a destroyed or re-wrapped key
// leaves nothing behind; the bucket keeps one message per subject.
//
// Cut short — the process killed after the erasure, or after the put — the record is still
// pending when the writer starts again, and publish runs again: it finds no entry and puts the
// record, or finds it and leaves it (TestForgetCutShortOnTheKeyBus).
func publish(ctx context.Context, kv jetstream.KeyValue, stream jetstream.Stream, r personal.KeyRecord) (uint64, bool, error) {
	key := entryKey(r.Subject)
	old, err := kv.Get(ctx, key)
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound):
	case err != nil:
		return 0, false, err
	default:
		prev, err := decodeEntry(r.Subject, old.Value())
		if err == nil && prev.Rev >= r.Rev {
			return old.Revision(), false, nil // published already (a retry after a lost acknowledgement)
		}
		if err := stream.SecureDeleteMsg(ctx, old.Revision()); err != nil && !errors.Is(err, jetstream.ErrMsgNotFound) {
			return 0, false, err
		}
	}
	value, err := encodeEntry(r)
	if err != nil {
		return 0, false, err
	}
	seq, err := kv.Put(ctx, key, value)
	return seq, err == nil, err
}
