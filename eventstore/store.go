package eventstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nordledger/ledger/internal/boltcheck"
	"github.com/nordledger/ledger/internal/boltmap"
	"github.com/nordledger/ledger/internal/keyindex"
	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Bucket names. The layout is part of the stored format (docs/eventstore.md).
var (
	bucketMeta        = []byte("meta")         // "magic", "format"
	bucketEvents      = []byte("events")       // big-endian position → record; sequence = head position
	bucketStreamIndex = []byte("stream_index") // stream | 0x00 | big-endian version → big-endian position; the last key of a stream is its head
	bucketEventIDs    = []byte("event_ids")    // event id (16 bytes) → big-endian position
	bucketClaims      = []byte("claims")       // big-endian claim number → stream | 0x00 | key; sequence = last claim number (claims.go)
	// bucketReservations is format 1's key → stream, rewritten as bucketClaims when a writable
	// store opens (a read-only one reads it as it is).
	bucketReservations = []byte("reservations")

	metaMagicKey  = []byte("magic")
	metaFormatKey = []byte("format")
	metaMagic     = []byte("nordledger-eventstore")
)

// storeFormat is the layout version written into new stores: 2 keeps the unique keys as claims in
// the order they were made (claims.go); 1 kept them keyed by the key, and is upgraded on open.
const storeFormat = 2

// Options configures a Store. The zero value is valid: every field has a default.
type Options struct {
	// LockTimeout is how long Open waits for another process to release the file lock.
	// Default 2s; the store is single-writer and the lock protects it.
	LockTimeout time.Duration
	// MaxBatch caps the number of appends committed in one transaction. Default 1024.
	MaxBatch int
	// InitialMmapSize is passed to bbolt: the address space mapped for the file at open. bbolt
	// maps the file anew when it outgrows the map, and that waits for every read transaction —
	// a backup streaming the file to a client that stopped reading — while every append waits
	// for it. Default: the file's size plus 10 GiB on a 64-bit system other than Windows
	// (address space, not memory; internal/boltmap), 256 MiB on a 32-bit one and on Windows
	// (where bbolt makes the file as large as its map).
	InitialMmapSize int
	// ReadOnly opens an existing store for reading only (operator tools: checks, rebuilds). The
	// file lock is shared with other read-only users and excludes a writer; Append returns
	// ErrReadOnly. Default false.
	ReadOnly bool
	// Observer is told of every append and group commit (observer.go); nil observes nothing.
	Observer Observer
	// Prepare, when set, runs before each group's transaction, while the group before it commits:
	// it makes durable what the group's events need to be durable before them (ledgerd commits
	// the new customers' data keys, personal.Store.CommitPending). An error fails every append
	// of the group with ErrWriteFailed; nothing of the group is written. See pipeline.go.
	Prepare func() error
	// Applier, when set, is the pipeline's last stage: appends are answered once it applied
	// their group (ledgerd: the read models, projections.Runner). nil answers appends once they
	// are durable. See pipeline.go.
	Applier Applier
}

func (o Options) withDefaults() Options {
	if o.LockTimeout <= 0 {
		o.LockTimeout = 2 * time.Second
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = 1024
	}
	return o
}

// Store is the bbolt event log. It is safe for concurrent use.
type Store struct {
	db     *bolt.DB
	opts   Options
	mapped int // the address space bbolt mapped for the file at open (MapUse)

	queue      chan *appendOp
	commitQ    chan *group   // from the writer to the committer, with Options.Prepare
	applyQ     applyQueue    // from the commit to the applier, with Options.Applier
	closing    chan struct{} // closed by Close: no new appends
	writerDone chan struct{} // closed when the last group is committed
	closeOnce  sync.Once
	closeErr   error

	// The pipeline's apply stage (pipeline.go).
	appliedMu   sync.Mutex
	applied     uint64        // every event up to it is through the pipeline
	appliedWake chan struct{} // closed and replaced when applied advances
	applierDone chan struct{} // closed when the applier goroutine ended
	committing  atomic.Bool   // a group's transaction is being committed
	stopApply   context.CancelFunc

	head atomic.Uint64 // last committed position

	claims keyindex.Index // the unique keys' look-up (claims.go)
	legacy bool           // a format 1 store opened read-only: its keys are in bucketReservations

	upgradedFrom uint32 // the store format this Open upgraded the file from (0: none)

	mu     sync.Mutex
	wake   chan struct{} // closed and replaced after each commit
	subsWG sync.WaitGroup

	stats struct {
		commits, appends atomic.Uint64
	}
}

// Open opens (creating if needed, unless Options.ReadOnly) the event store at path. The file is
// always synced on commit. A file that is not an event store, or whose last event cannot be read,
// gives an error matching ErrCorrupt; a file locked by another process gives an error matching
// ErrLocked after Options.LockTimeout.
func Open(path string, opts Options) (s *Store, err error) {
	opts = opts.withDefaults()
	// bbolt panics on damaged pages, at Open in a goroutine of its own where nothing can recover:
	// read the whole file safely first, so a damaged log is an error naming the file, not a crash
	// (skipped when the file is exactly as the last clean close left it: boltcheck.MarkClean).
	// An empty file where a log should be is a failed copy or restore, not a new log: starting
	// a new, empty ledger over it would hide the loss.
	if fi, err := os.Stat(path); err == nil && fi.Size() == 0 {
		return nil, fmt.Errorf("open %s: %w", path, &CorruptError{Reason: "the file is empty, not an event store (remove it to start a new, empty log)"})
	}
	switch _, err := boltcheck.CheckUnlessClean(path, opts.LockTimeout); {
	case errors.Is(err, boltcheck.ErrLocked):
		return nil, fmt.Errorf("eventstore: open %s: %w", path, ErrLocked)
	case err != nil:
		return nil, fmt.Errorf("open %s: %w", path, &CorruptError{Reason: "damaged file: " + err.Error()})
	}
	mmapSize := opts.InitialMmapSize
	if mmapSize <= 0 {
		mmapSize = boltmap.Size(path, 256<<20)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout:         opts.LockTimeout,
		NoFreelistSync:  true,
		FreelistType:    bolt.FreelistMapType,
		InitialMmapSize: mmapSize,
		ReadOnly:        opts.ReadOnly,
	})
	switch {
	case errors.Is(err, berrors.ErrTimeout):
		return nil, fmt.Errorf("eventstore: open %s: %w", path, ErrLocked)
	case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrChecksum), errors.Is(err, berrors.ErrVersionMismatch):
		return nil, fmt.Errorf("open %s: %w", path, &CorruptError{Reason: "not a bbolt file or damaged header: " + err.Error()})
	case err != nil:
		return nil, fmt.Errorf("eventstore: open %s: %w", path, boltmap.Explain(err, mmapSize))
	}
	if !opts.ReadOnly {
		if err := boltcheck.ForgetClean(path); err != nil { // written from now on
			db.Close()
			return nil, fmt.Errorf("eventstore: open %s: %w", path, err)
		}
	}
	defer func() {
		// bbolt panics on some kinds of damaged pages; a damaged file must give an error, not a crash.
		if r := recover(); r != nil {
			db.Close()
			s, err = nil, fmt.Errorf("open %s: %w", path, &CorruptError{Reason: boltcheck.Unreadable(path, r).Error()})
		}
	}()
	var head uint64
	var format, upgradedFrom uint32
	if opts.ReadOnly {
		err = db.View(func(tx *bolt.Tx) error {
			if tx.Bucket(bucketMeta) == nil {
				return &CorruptError{Reason: "not an event store (no meta bucket)"}
			}
			head, format, err = checkLayout(tx)
			return err
		})
	} else {
		head, upgradedFrom, err = initialize(db)
		format = storeFormat
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	s = &Store{
		db:          db,
		opts:        opts,
		mapped:      mmapSize,
		queue:       make(chan *appendOp),
		closing:     make(chan struct{}),
		writerDone:  make(chan struct{}),
		wake:        make(chan struct{}),
		appliedWake: make(chan struct{}),
		applierDone: make(chan struct{}),
	}
	s.applyQ.ready = make(chan struct{}, 1)
	s.head.Store(head)
	s.legacy, s.upgradedFrom = format == 1, upgradedFrom
	if !opts.ReadOnly {
		if err := loadClaims(db, &s.claims); err != nil { // the writer's look-ups need it
			db.Close()
			return nil, fmt.Errorf("open %s: reading the unique keys: %w", path, err)
		}
	}
	if opts.ReadOnly {
		close(s.writerDone)
		close(s.applierDone)
		s.applied = head
		return s, nil
	}
	if opts.Prepare != nil {
		s.commitQ = make(chan *group)
		go s.committer()
	}
	go s.writer()
	if opts.Applier != nil {
		ctx, cancel := context.WithCancel(context.Background())
		s.stopApply = cancel
		go s.applier(ctx, head) // the head at open: every later append reaches the applier with its group
	} else {
		s.applied = head
		close(s.applierDone)
	}
	return s, nil
}

// initialize creates the buckets of a new store, or checks that an existing file is an event
// store of a known format whose last event is readable, upgrading an older format. It returns
// the head position and the format it upgraded from (0: none).
func initialize(db *bolt.DB) (head uint64, upgradedFrom uint32, err error) {
	err = db.Update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if meta == nil {
			if k, _ := tx.Cursor().First(); k != nil {
				return &CorruptError{Reason: fmt.Sprintf("not an event store (found bucket %q, no meta)", k)}
			}
			for _, name := range [][]byte{bucketMeta, bucketEvents, bucketStreamIndex, bucketEventIDs, bucketClaims} {
				if _, err := tx.CreateBucket(name); err != nil {
					return err
				}
			}
			meta = tx.Bucket(bucketMeta)
			if err := meta.Put(metaMagicKey, metaMagic); err != nil {
				return err
			}
			return meta.Put(metaFormatKey, binary.BigEndian.AppendUint32(nil, storeFormat))
		}
		h, format, err := checkLayout(tx)
		if head = h; err != nil || format == storeFormat {
			return err
		}
		if err := migrateReservations(tx); err != nil { // format 1
			return fmt.Errorf("upgrading the store from format 1: %w", err)
		}
		upgradedFrom = format
		return meta.Put(metaFormatKey, binary.BigEndian.AppendUint32(nil, storeFormat))
	})
	if err != nil {
		upgradedFrom = 0
	}
	return head, upgradedFrom, err
}

// checkLayout checks that an existing file is an event store of a known format (1 or 2) whose
// last event is readable, and returns the head position and the format.
func checkLayout(tx *bolt.Tx) (head uint64, format uint32, err error) {
	meta := tx.Bucket(bucketMeta)
	if !bytes.Equal(meta.Get(metaMagicKey), metaMagic) {
		return 0, 0, &CorruptError{Reason: "not an event store (bad magic)"}
	}
	f := meta.Get(metaFormatKey)
	if len(f) == 4 {
		format = binary.BigEndian.Uint32(f)
	}
	keys := bucketClaims
	switch format {
	case storeFormat:
	case 1:
		keys = bucketReservations
	default:
		return 0, 0, &CorruptError{Reason: fmt.Sprintf("unknown store format %x", f)}
	}
	for _, name := range [][]byte{bucketEvents, bucketStreamIndex, bucketEventIDs, keys} {
		if tx.Bucket(name) == nil {
			return 0, 0, &CorruptError{Reason: fmt.Sprintf("bucket %q missing", name)}
		}
	}
	head, err = lastEvent(tx)
	return head, format, err
}

// lastEvent checks that the head position is the last stored event's, and that it is readable.
func lastEvent(tx *bolt.Tx) (uint64, error) {
	events := tx.Bucket(bucketEvents)
	head := events.Sequence()
	k, v := events.Cursor().Last()
	switch {
	case k == nil && head == 0:
		return 0, nil
	case k == nil || len(k) != 8 || binary.BigEndian.Uint64(k) != head:
		return 0, &CorruptError{Reason: fmt.Sprintf("head position %d does not match the last stored event", head)}
	}
	_, err := decodeRecord(head, v)
	return head, err
}

// Close stops accepting appends, commits the appends already handed to the writer and takes them
// through the pipeline's apply stage (an applier that cannot make progress is stopped: those
// appends are answered with ErrNotApplied), ends every subscription and closes the file. It is
// safe to call more than once. An error wrapping boltcheck.ErrNotMarkedClean means the file was
// closed whole but not marked clean (a full disk): the next Open reads every page.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		close(s.closing)
		s.mu.Unlock()
		<-s.writerDone
		if s.stopApply != nil {
			s.stopApply() // an applier that cannot make progress gives up; the others finish
		}
		<-s.applierDone
		s.subsWG.Wait()
		var listErr error
		path := s.db.Path()
		if !s.opts.ReadOnly {
			listErr = saveFreelist(s.db) // only spares the next open a search for free pages
		}
		err := s.db.Close()
		switch {
		case err != nil:
			if listErr != nil {
				err = fmt.Errorf("%w (and saving the free-page list: %v)", err, listErr)
			}
			s.closeErr = err
		case listErr != nil:
			s.closeErr = fmt.Errorf("eventstore: %s %w: saving the free-page list: %w", path, boltcheck.ErrNotMarkedClean, listErr)
		case !s.opts.ReadOnly:
			s.closeErr = boltcheck.MarkClean(path) // the next open need not read every page
		}
	})
	return s.closeErr
}

// StoreFormat is the layout version of the files this package writes (docs/eventstore.md).
const StoreFormat = storeFormat

// UpgradedFrom returns the store format Open upgraded the file from, or 0 when the file was
// already of StoreFormat (or is new, or opened read-only).
func (s *Store) UpgradedFrom() uint32 { return s.upgradedFrom }

// Path returns the store's file path.
func (s *Store) Path() string { return s.db.Path() }

// Head returns the position of the last committed event (0 for an empty log).
func (s *Store) Head(ctx context.Context) (uint64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	return s.head.Load(), nil
}

// Stats are counters since Open.
type Stats struct {
	Commits uint64 // transactions committed by the writer
	Appends uint64 // append requests committed (including idempotent duplicates)
}

// Stats returns counters since Open; Appends/Commits is the mean group size.
func (s *Store) Stats() Stats {
	return Stats{Commits: s.stats.commits.Load(), Appends: s.stats.appends.Load()}
}

// wakeChan returns the channel that is closed at the next commit.
func (s *Store) wakeChan() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.wake
}

// notify wakes everyone waiting for a commit.
func (s *Store) notify() {
	s.mu.Lock()
	close(s.wake)
	s.wake = make(chan struct{})
	s.mu.Unlock()
}

func (s *Store) isClosing() bool {
	select {
	case <-s.closing:
		return true
	default:
		return false
	}
}

func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(make([]byte, 0, 8), v) }

// streamVersion returns the version of stream from the stream index: the version in its last key.
func streamVersion(index *bolt.Bucket, stream string) uint64 {
	c := index.Cursor()
	k, _ := c.Seek(streamIndexKey(stream, math.MaxUint64))
	if k == nil {
		k, _ = c.Last()
	} else {
		k, _ = c.Prev()
	}
	if len(k) != len(stream)+9 || string(k[:len(stream)]) != stream || k[len(stream)] != 0 {
		return 0
	}
	return binary.BigEndian.Uint64(k[len(stream)+1:])
}

func streamIndexKey(stream string, version uint64) []byte {
	k := make([]byte, 0, len(stream)+9)
	k = append(k, stream...)
	k = append(k, 0)
	return binary.BigEndian.AppendUint64(k, version)
}

// saveFreelist writes bbolt's free-page list in one last commit. The file is written without
// it (NoFreelistSync: cheaper commits), so opening it means finding the free pages by reading
// every page of the file — at a million customers, gigabytes before ledgerd can start. After a
// clean close the next open reads the list instead; the first commit after that drops it again,
// so after a crash the open scans, as before.
func saveFreelist(db *bolt.DB) error {
	db.NoFreelistSync = false
	defer func() { db.NoFreelistSync = true }()
	return db.Update(func(*bolt.Tx) error { return nil })
}
