package keysync

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/nordledger/ledger/eventstore/personal"
)

// Source is a reader replica's personal.KeySource: it watches the key bus and unwraps the keys
// with the reader's master keys. A key the bus does not hold yet is waited for: a sealed event
// names a customer whose key the writer made before storing the event, so it is on its way.
// Safe for concurrent use.
type Source struct {
	bucket string
	log    *slog.Logger
	reload func() (*personal.MasterKeys, error)

	mu      sync.Mutex
	ring    *personal.MasterKeys
	records map[string]personal.KeyRecord
	keys    map[string]*personal.DataKey
	missing string        // a master key id that wraps a live record and that ring lacks ("" none)
	changed chan struct{} // closed and replaced on every change
	done    chan struct{} // closed when Run returns
}

// SourceConfig configures a Source.
type SourceConfig struct {
	// MasterKeys unwrap the keys; Reload, when set, reads them again when a key is wrapped by a
	// master key the ring lacks (a rotation in progress).
	MasterKeys *personal.MasterKeys
	Reload     func() (*personal.MasterKeys, error)
	Bucket     string // default DefaultBucket
	Logger     *slog.Logger
}

// NewSource returns a Source; Run feeds it.
func NewSource(cfg SourceConfig) (*Source, error) {
	if cfg.MasterKeys == nil {
		return nil, errors.New("keysync: a source needs the master keys")
	}
	if cfg.Bucket == "" {
		cfg.Bucket = DefaultBucket
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Source{bucket: cfg.Bucket, log: cfg.Logger, reload: cfg.Reload, ring: cfg.MasterKeys,
		records: map[string]personal.KeyRecord{}, keys: map[string]*personal.DataKey{},
		changed: make(chan struct{}), done: make(chan struct{})}, nil
}

// Run watches the bucket until ctx ends, starting again (with backoff) when the watch fails or
// the bucket does not exist yet. DataKey calls waiting for a key fail once Run has returned.
func (s *Source) Run(ctx context.Context, js jetstream.JetStream) {
	defer close(s.done)
	wait := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := s.watch(ctx, js)
		if ctx.Err() != nil {
			return
		}
		s.log.Warn("cannot watch the key bus; retrying", "bucket", s.bucket, "err", err, "retryIn", wait)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, 5*time.Second)
	}
}

func (s *Source) watch(ctx context.Context, js jetstream.JetStream) error {
	kv, err := js.KeyValue(ctx, s.bucket)
	if err != nil {
		return err
	}
	w, err := kv.WatchAll(ctx)
	if err != nil {
		return err
	}
	defer w.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case e, ok := <-w.Updates():
			if !ok {
				return errors.New("the watch ended")
			}
			if e == nil || e.Operation() != jetstream.KeyValuePut {
				continue // the end of the initial values; a deletion (never made by the publisher)
			}
			subject, ok := subjectOf(e.Key())
			if !ok {
				continue
			}
			r, err := decodeEntry(subject, e.Value())
			if err != nil {
				s.log.Warn("skipping a malformed key-bus entry", "key", e.Key(), "err", err)
				continue
			}
			s.update(r)
		}
	}
}

func (s *Source) update(r personal.KeyRecord) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.records[r.Subject]; ok && (old.Rev > r.Rev || old.Destroyed && !r.Destroyed) {
		return // older, or bringing back a key that is destroyed (never happens on the writer)
	}
	s.records[r.Subject] = r
	if r.Destroyed {
		delete(s.keys, r.Subject)
	} else if s.missing == "" && !s.ring.Has(r.Master) {
		s.missing = r.Master
	}
	close(s.changed)
	s.changed = make(chan struct{})
}

// DataKey implements personal.KeySource. It never creates a key: a reader makes none. A key
// the bus does not hold yet is waited for until ctx ends, or for the wait personal.WithKeyWait
// set on ctx (a read: then personal.ErrKeyNotYet).
func (s *Source) DataKey(ctx context.Context, subject string, create bool) (*personal.DataKey, error) {
	if create {
		return nil, errors.New("keysync: a reader replica makes no data keys")
	}
	warned := false
	start := time.Now()
	var deadline <-chan time.Time // a read's bound on the wait (personal.WithKeyWait)
	if d, ok := personal.KeyWait(ctx); ok {
		t := time.NewTimer(d)
		defer t.Stop()
		deadline = t.C
	}
	for {
		s.mu.Lock()
		if k, ok := s.keys[subject]; ok {
			s.mu.Unlock()
			return k, nil
		}
		r, ok := s.records[subject]
		changed := s.changed
		s.mu.Unlock()
		if ok {
			return s.unwrap(r)
		}
		if !warned && time.Since(start) > 10*time.Second {
			s.log.Warn("waiting for a data key on the key bus (is the writer publishing?)", "bucket", s.bucket)
			warned = true
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-deadline:
			return nil, fmt.Errorf("%w: the key of %s is not on the key bus yet", personal.ErrKeyNotYet, subject)
		case <-s.done:
			return nil, fmt.Errorf("keysync: the key bus is closed while waiting for the key of %s", subject)
		case <-time.After(time.Second):
		}
	}
}

func (s *Source) unwrap(r personal.KeyRecord) (*personal.DataKey, error) {
	s.mu.Lock()
	ring := s.ring
	s.mu.Unlock()
	if !r.Destroyed && !ring.Has(r.Master) && s.reload != nil {
		if fresh, err := s.reload(); err == nil {
			s.mu.Lock()
			s.ring, ring = fresh, fresh
			s.mu.Unlock()
		}
	}
	k, err := ring.DataKey(r)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// Cached only while the record is still the one unwrapped: not replaced, not destroyed by
	// the bus's tombstone (a later revision) nor by Evict (the same revision, destroyed).
	if cur, ok := s.records[r.Subject]; ok && cur.Rev == r.Rev && !cur.Destroyed {
		s.keys[r.Subject] = k
	}
	return k, nil
}

// Evict implements personal.KeySource. A reader evicts only the keys of customers it has seen
// forgotten: the key is dropped and the subject held destroyed at once, before the key bus's
// tombstone arrives.
func (s *Source) Evict(subject string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.keys, subject)
	r := s.records[subject]
	s.records[subject] = personal.KeyRecord{Subject: subject, Rev: r.Rev, Destroyed: true}
}

// CheckMasterKeys reports whether the reader's master keys open every data key the key bus has
// handed it: an error (personal.ErrMasterKey) names a master key id that wraps a live key and
// that the ring lacks even after reading the master keys again — the reader could not open
// those customers' data (a rotation whose new key it was not given, a wrong key file). It is
// cheap: records are judged as they arrive.
func (s *Source) CheckMasterKeys() error {
	s.mu.Lock()
	id := s.missing
	s.mu.Unlock()
	if id != "" && s.reload != nil {
		if fresh, err := s.reload(); err == nil {
			s.mu.Lock()
			s.ring, s.missing = fresh, "" // judge every live key again, by the keys read now
			for _, r := range s.records {
				if !r.Destroyed && !fresh.Has(r.Master) {
					s.missing = r.Master
					break
				}
			}
			id = s.missing
			s.mu.Unlock()
		}
	}
	if id != "" {
		return fmt.Errorf("%w: the key bus holds data keys wrapped by master key %s, which this reader's master keys lack (give it the writer's master key file)", personal.ErrMasterKey, id)
	}
	return nil
}
