package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// readerLeaseTTL is how long a reader's claim on its id outlives its last renewal: a reader
// that stopped without releasing it (killed, cut off) frees its id within it.
const readerLeaseTTL = 30 * time.Second

// readerLease is a reader's claim on its id in the key-value bucket {stream}_READERS: two
// running readers with one id would share the durable consumer {readerId}_projections, each get
// part of the events and build read models that differ without a word. The claim names the
// reader's data directory by its own generated id (data/reader.id, new in a copy): the same
// reader started again on its directory takes its claim over at once, another is refused.
type readerLease struct {
	js       jetstream.JetStream
	bucket   string
	replicas int
	kv       jetstream.KeyValue // nil until the bucket is opened
	id       string
	owner    readerOwner
	value    []byte // the claim's value: owner in JSON
	rev      uint64 // the claim's revision; 0 while not held
	log      *slog.Logger
	ticks    <-chan time.Time // when keep tries again; nil: every readerLeaseTTL/3 (a test's own: it drives keep)
}

// readerOwner is the value of a claim.
type readerOwner struct {
	DataDirID string `json:"dataDirId"` // the data directory's generated reader id
	Host      string `json:"host"`
	DataDir   string `json:"dataDir"`
}

// errReaderIDInUse is the refusal of an id another reader holds (errors.Is).
var errReaderIDInUse = errors.New("reader id in use")

// inUseError is that refusal, saying whose the claim is.
type inUseError struct{ msg string }

func (e inUseError) Error() string        { return e.msg }
func (e inUseError) Is(target error) bool { return target == errReaderIDInUse }

// newReaderLease is the claim of id on the claims' bucket of stream, not yet made (acquire).
func newReaderLease(js jetstream.JetStream, stream string, replicas int, id string, owner readerOwner, log *slog.Logger) *readerLease {
	value, _ := json.Marshal(owner) // strings only: it cannot fail
	return &readerLease{js: js, bucket: stream + "_READERS", replicas: replicas, id: id, owner: owner, value: value, log: log}
}

// open opens (making it when missing, with the stream's replicas: on a cluster the claims
// survive a node's loss as the stream does) the claims' bucket.
func (l *readerLease) open(ctx context.Context) error {
	if l.kv != nil {
		return nil
	}
	kv, err := l.js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: l.bucket, History: 1, TTL: readerLeaseTTL, Replicas: l.replicas,
		Description: "ledgerd readers' claims on their ids"})
	if errors.Is(err, jetstream.ErrBucketExists) {
		kv, err = l.js.KeyValue(ctx, l.bucket)
	}
	if err != nil {
		return fmt.Errorf("reader id claims (bucket %s): %w", l.bucket, err)
	}
	l.kv = kv
	return nil
}

// held says whether the claim is made.
func (l *readerLease) held() bool { return l.rev != 0 }

// acquire claims the id: a claim of none or of this data directory is taken (over); another
// reader's is refused (errReaderIDInUse).
func (l *readerLease) acquire(ctx context.Context) error {
	if err := l.open(ctx); err != nil {
		return err
	}
	for {
		e, err := l.kv.Get(ctx, l.id)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			rev, err := l.kv.Create(ctx, l.id, l.value)
			if errors.Is(err, jetstream.ErrKeyExists) {
				continue // another took it meanwhile: see whose it is
			}
			if err != nil {
				return err
			}
			l.rev = rev
			return nil
		}
		if err != nil {
			return err
		}
		var held readerOwner
		if json.Unmarshal(e.Value(), &held) != nil || held.DataDirID != l.owner.DataDirID {
			return inUseError{fmt.Sprintf(`reader id %q is in use by another reader (host %q, data dir %q, its claim renewed at %s): two readers with one id share its JetStream consumer and each sees only part of the events; give each reader its own -reader-id (or none: one is generated), or stop the other (a reader that stopped without a word frees its id within %v)`,
				l.id, held.Host, held.DataDir, e.Created().UTC().Format(time.RFC3339), readerLeaseTTL)}
		}
		rev, err := l.kv.Update(ctx, l.id, l.value, e.Revision())
		if errors.Is(err, jetstream.ErrKeyExists) {
			continue // changed meanwhile
		}
		if err != nil {
			return err
		}
		l.rev = rev
		return nil
	}
}

// release gives the claim up (a reader stopping): another reader may take the id at once.
func (l *readerLease) release() {
	if !l.held() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := l.kv.Delete(ctx, l.id, jetstream.LastRevision(l.rev)); err != nil {
		l.log.Debug("reader id claim not released: it lapses by itself", "err", err, "within", readerLeaseTTL)
	}
}

// keep renews the claim until ctx ends, or makes it while it is not held (NATS refused or did
// not answer before); lost is called (once) when another reader holds the id (this one could not
// renew in time: NATS out of reach).
func (l *readerLease) keep(ctx context.Context, lost func(error)) {
	ticks := l.ticks
	if ticks == nil {
		t := time.NewTicker(readerLeaseTTL / 3)
		defer t.Stop()
		ticks = t.C
	}
	// A failure is logged once, not every tick, until the claim is made again; a claim not held
	// here was warned about at start (startReader), and the tick that makes it says so.
	warned := !l.held()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticks:
		}
		rctx, cancel := context.WithTimeout(ctx, readerLeaseTTL/3)
		var rev uint64
		err := errors.New("not held")
		if l.held() {
			rev, err = l.kv.Update(rctx, l.id, l.value, l.rev)
		}
		if err != nil && ctx.Err() == nil {
			// Lapsed, changed or never made: claim it again, unless another reader holds it now.
			err = l.acquire(rctx)
			rev = l.rev
		}
		cancel()
		switch {
		case errors.Is(err, errReaderIDInUse):
			lost(err)
			return
		case err != nil:
			if ctx.Err() == nil && !warned {
				warned = true
				l.log.Warn("cannot make or renew the reader id claim; retrying", "err", err, "every", readerLeaseTTL/3)
			}
		default:
			if warned {
				l.log.Info("reader id claimed")
			}
			warned = false
			l.rev = rev
		}
	}
}

// hostname is the host named in a claim.
func hostname() string {
	h, _ := os.Hostname()
	return h
}
