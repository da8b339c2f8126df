package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore/feed"
	"github.com/nordledger/ledger/httpapi"
	"github.com/nordledger/ledger/internal/datadir"
)

// reader is the JetStream side of a read replica.
type reader struct {
	id      string
	js      jetstream.JetStream
	stream  string
	lastSeq atomic.Uint64           // the stream's last sequence when last asked
	failed  atomic.Pointer[error]   // why the read models cannot be fed (a key mismatch)
	rebuild atomic.Pointer[rebuild] // the read models' rebuild from the stream, while it lasts
	// resetFloor moves the HTTP API's read floor (httpapi.Server.ResetReadFloor) to the stream's
	// end when the read models are reset at runtime; nil until the API is made (run.go), which
	// then applies a rebuild already under way.
	resetFloor atomic.Pointer[func(uint64)]
}

// readerCheckHooks is a test-only seam, never set in production: tests block its functions to
// hold a running reader at a known point of checkStream (e2e_reader_floor_test.go).
var readerCheckHooks atomic.Pointer[readerHooks]

// readerHooks run in checkStream; either may be nil.
type readerHooks struct {
	// beforeCheck runs before the read models are checked against the stream.
	beforeCheck func(ctx context.Context)
	// afterReset runs once they were reset and the read floor moved, before the feed reads the
	// stream: the rebuild has not started.
	afterReset func(ctx context.Context)
}

// rebuild is why the read models are rebuilt from the stream, and the stream's end when they
// were reset: /readyz says why until they reach it.
type rebuild struct {
	why   string
	until uint64
}

// startReader connects to NATS and feeds the read models from the stream through one durable
// consumer for all the projections. It returns the stream's last sequence when NATS answers at
// once (reads then wait until the read models have reached it), else 0. A stream that does not
// exist yet is waited for; a stream whose writer uses another national-identifier key stops the
// reader.
func (m *Main) startReader(ctx context.Context, key []byte) (uint64, error) {
	o := m.Options
	// The data directory's own id: the reader's id unless one is given, and what its claim on
	// the id names (reader_lease.go).
	own, err := readerID(m.dir().File(datadir.ReaderID))
	if err != nil {
		return 0, fmt.Errorf("reader id: %w", err)
	}
	id := o.ReaderID
	if id == "" {
		id = own
	}
	conn, js, err := m.connectNATS(o.NATSURL, "ledgerd reader "+id)
	if err != nil {
		return 0, err
	}
	m.bus = &bus{conn: conn, url: o.NATSURL}
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		m.keyBus.Run(ctx, js)
	}()
	r := &reader{id: id, js: js, stream: o.NATSStream}
	m.reader = r
	log := m.log.With("component", "reader", "readerId", id)
	f, err := feed.NewJetStream(js, o.NATSStream, id, log)
	if err != nil {
		return 0, err
	}
	f.TracerProvider = m.tracing.Provider
	// Read models built from events the stream no longer holds (the writer's older log restored)
	// are rebuilt from it: checked at start, before the first read is served, and each time the
	// feed makes its consumer again — a stream replaced under a running reader took it along.
	checkStream := func(ctx context.Context) error {
		hooks := readerCheckHooks.Load()
		if hooks != nil && hooks.beforeCheck != nil {
			hooks.beforeCheck(ctx)
		}
		reason, err := m.runner.ResetIfNotInStream(ctx, f.EventAt)
		if reason != "" {
			until := r.lastSeq.Load() // the last known end, if NATS does not answer now
			if info, err := r.info(ctx); err == nil {
				until = info.State.LastSeq
			}
			r.rebuild.Store(&rebuild{why: reason, until: until})
			// Reads wait until the rebuild reaches the stream's end, as at start: the emptied
			// read models would answer 404 for customers that exist.
			if set := r.resetFloor.Load(); set != nil {
				(*set)(until)
			}
			if hooks != nil && hooks.afterReset != nil {
				hooks.afterReset(ctx)
			}
		}
		return err
	}
	f.Resume = checkStream

	owner := readerOwner{DataDirID: own, Host: hostname(), DataDir: o.DataDir}
	lease := newReaderLease(js, o.NATSStream, o.NATSReplicas, id, owner, log)
	var floor uint64
	first, cancel := context.WithTimeout(ctx, 5*time.Second)
	if info, err := r.info(first); err == nil {
		floor = info.State.LastSeq
		// Another reader running with this id is refused before this one touches the consumer.
		// Any other failure: claimed below, once NATS answers.
		if err := lease.acquire(first); errors.Is(err, errReaderIDInUse) {
			cancel()
			return 0, err
		}
		// Checked before the first request is served: find-customer with another key would
		// answer 404 for customers that exist (keyCheckedCustomers).
		if err := checkKey(info, key); err != nil {
			r.failed.Store(&err)
			log.Error("reader stopped", "err", err)
		} else {
			// With a time of its own: the claim above may have taken first's.
			sctx, scancel := context.WithTimeout(ctx, 5*time.Second)
			if err := checkStream(sctx); err != nil {
				// The stream's end is known (info): read models after it are rebuilt whatever
				// NATS answers now, before a read is served. The rest is checked again before
				// the feed reads (Resume).
				log.Warn("cannot check that the stream holds the read models' events yet", "err", err)
				last := info.State.LastSeq
				if reason, err := m.runner.ResetIfNotInStream(sctx, func(_ context.Context, position uint64) (string, uint64, error) {
					if position > last {
						return "", last, nil
					}
					return "", last, errors.New("the stream's event was not asked for")
				}); err == nil && reason != "" {
					r.rebuild.Store(&rebuild{why: reason, until: last})
				}
			}
			scancel()
		}
	}
	cancel()
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		var kept chan struct{} // closed when keeping the claim ended (once it started)
		defer func() {         // a claim held is given up once this reader stops
			if kept != nil {
				<-kept
			}
			lease.release()
		}()
		if r.failed.Load() != nil {
			return
		}
		for wait := 100 * time.Millisecond; ; wait = min(2*wait, 5*time.Second) {
			info, err := r.info(ctx)
			if err == nil {
				if err := checkKey(info, key); err != nil {
					r.failed.Store(&err)
					log.Error("reader stopped", "err", err)
					return
				}
				if !lease.held() {
					cctx, cancel := context.WithTimeout(ctx, readerLeaseTTL/3)
					err := lease.acquire(cctx)
					cancel()
					if errors.Is(err, errReaderIDInUse) {
						r.failed.Store(&err)
						m.fail(err)
						return
					}
					if err != nil && ctx.Err() == nil {
						// The stream answers but the claim cannot be made: most likely a NATS user
						// without the bucket's permissions, which followed the ledger before readers
						// claimed their ids. Reading waits for nothing here; the claim is tried again
						// while reading (keep), and a reader found holding the id then stops this one.
						log.Warn("cannot claim the reader id: reading without the claim, trying again every 10 s (the claim needs the NATS permissions of the key-value bucket "+lease.bucket+")", "err", err)
					}
				}
				break
			} else {
				log.Warn("cannot read the JetStream stream yet; retrying", "stream", o.NATSStream, "err", err, "retryIn", wait)
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
		}
		feedCtx, stopFeed := context.WithCancel(ctx)
		defer stopFeed()
		kept = make(chan struct{})
		m.wg.Add(1)
		go func() {
			defer m.wg.Done()
			defer close(kept)
			lease.keep(ctx, func(err error) {
				// Another reader took the id while this one could not renew its claim: this one
				// stops reading, and ledgerd stops.
				r.failed.Store(&err)
				stopFeed()
				m.fail(err)
			})
		}()
		m.runner.Run(feedCtx, f)
	}()
	m.log.Info("reading events from NATS", "url", redactedNATSURLs(o.NATSURL), "stream", o.NATSStream, "readerId", id, "streamLastSequence", floor)
	return floor, nil
}

// info returns the stream's current state and remembers its last sequence.
func (r *reader) info(ctx context.Context) (*jetstream.StreamInfo, error) {
	s, err := r.js.Stream(ctx, r.stream)
	if err != nil {
		return nil, err
	}
	info := s.CachedInfo()
	r.lastSeq.Store(info.State.LastSeq)
	return info, nil
}

// ready reports whether the read models hold everything the stream holds.
func (r *reader) ready(ctx context.Context, position uint64) error {
	if p := r.failed.Load(); p != nil {
		return *p
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	info, err := r.info(ctx)
	if err != nil {
		return fmt.Errorf("the JetStream stream cannot be read: %w", err)
	}
	switch last := info.State.LastSeq; {
	case position < last:
		if rb := r.rebuild.Load(); rb != nil && position < rb.until {
			return fmt.Errorf("projections at position %d of %d: rebuilding the read models: %s", position, last, rb.why)
		}
		return fmt.Errorf("projections at position %d of %d", position, last)
	case position > last:
		// The stream was replaced under the running reader by a shorter one (the writer's older
		// log restored): its read models hold events the log no longer has. The feed rebuilds
		// them when it makes its consumer again (Resume, ResetIfNotInStream).
		return fmt.Errorf("projections at position %d, after the stream's last sequence %d: the stream was refilled from an older log? the read models are rebuilt from it once the reader reads it again", position, last)
	}
	return nil
}

// checkKey compares the writer's key check value in the stream's metadata with ours.
func checkKey(info *jetstream.StreamInfo, key []byte) error {
	theirs, ok := info.Config.Metadata[metadataKeyCheck]
	if !ok {
		return nil // a stream set up by an older writer: nothing to compare
	}
	if theirs != keyCheck(key) {
		return errors.New("this reader's national-identifier key differs from the writer's: give it the writer's key file (LEDGERD_KEY_FILE)")
	}
	return nil
}

// readerID returns the reader id kept in path, creating one ("reader-" and 8 random hex digits)
// when the file does not exist. The file also records its own identity (device and inode, where
// the platform has them): a data directory copied to start another reader (or restored) holds a
// copy whose identity differs, and gets a new id — two running readers with one id would share
// a durable consumer, each getting part of the stream and neither catching up. A new id costs
// a new consumer, started at the read models' checkpoint.
func readerID(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	if err == nil {
		first, rest, _ := strings.Cut(string(data), "\n")
		id := strings.TrimSpace(first)
		if !readerIDRE.MatchString(id) {
			return "", fmt.Errorf("%s: %q is not a valid reader id", path, id)
		}
		recorded, _ := strings.CutPrefix(strings.TrimSpace(rest), "file ")
		fi, err := os.Stat(path)
		if err != nil {
			return "", err
		}
		ident, ok := fileIdentity(fi)
		switch {
		case !ok || recorded == ident:
			return id, nil
		case recorded == "": // written by an older version: this is the file it wrote
			return id, writeReaderID(path, id)
		}
		// A copy: another reader may run with this id.
	}
	raw := make([]byte, 4)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	id := "reader-" + hex.EncodeToString(raw)
	return id, writeReaderID(path, id)
}

// writeReaderID writes id and the identity of the file it is written in, in place (the file
// keeps its identity).
func writeReaderID(path, id string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	text := id + "\n"
	if ident, ok := fileIdentity(fi); ok {
		text += "file " + ident + "\n"
	}
	if err := f.Truncate(0); err != nil {
		return err
	}
	if _, err := f.WriteAt([]byte(text), 0); err != nil {
		return err
	}
	return f.Close()
}

// keyCheckedCustomers serves a reader's look-ups by national identifier only while its key is
// not known to differ from the writer's: its index is keyed with the key it was built with, and
// a look-up under another key finds nothing — a confident 404 for a customer that exists. The
// other reads do not depend on the key.
type keyCheckedCustomers struct {
	httpapi.Customers
	r *reader
}

// FindByNationalID implements httpapi.Customers.
func (c keyCheckedCustomers) FindByNationalID(ctx context.Context, ledgerNo string, ni domain.NationalIdentifier) (string, bool, error) {
	if p := c.r.failed.Load(); p != nil {
		return "", false, fmt.Errorf("%w: %w", httpapi.ErrNationalIDKey, *p)
	}
	return c.Customers.FindByNationalID(ctx, ledgerNo, ni)
}
