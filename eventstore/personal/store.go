package personal

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/internal/boltcheck"
	"github.com/nordledger/ledger/internal/boltmap"
	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// The key store's buckets.
var (
	bucketMeta   = []byte("meta")   // "magic", "format", "reconciled" (big-endian log position), "rewriteDue"
	bucketKeys   = []byte("keys")   // subject → JSON of KeyRecord (without Subject)
	bucketOutbox = []byte("outbox") // subject → big-endian revision not yet on the key bus
	keyMagic     = []byte("magic")
	keyFormat    = []byte("format")
	keyReconcile = []byte("reconciled")
	// keyBusSeq is the highest sequence of the key bus's stream that acknowledged a published
	// change whose mark is written (big-endian): a stream found below it lost acknowledged
	// messages (a NATS store rolled back), and the publisher publishes every record again.
	keyBusSeq = []byte("busSeq")
	// keyRewriteDue is present while a freed page may hold a destroyed or re-wrapped key: it is
	// put in the transaction that replaces the record and is absent from the rewritten file, so a
	// rewrite cut short (a crash, a full disk) is made when the store next opens.
	keyRewriteDue = []byte("rewriteDue")
	storeMagic    = []byte("nordledger-keystore")
)

const storeFormat = 1

// KeyRecord is one subject's entry in the key store: its data key wrapped by a master key, or,
// once the subject is forgotten, a tombstone without key material. Rev grows with every change.
type KeyRecord struct {
	Subject   string `json:"-"`
	Rev       uint64 `json:"rev"`
	Destroyed bool   `json:"destroyed,omitempty"`
	Master    string `json:"master,omitempty"`  // id of the master key that wrapped it
	Wrapped   []byte `json:"wrapped,omitempty"` // nonce || AES-256-GCM(data key)
}

// StoreOptions configure a Store. The zero value is a writable store.
type StoreOptions struct {
	// ReadOnly opens an existing file for reading only (operator tools); nothing is created.
	ReadOnly bool
	// LockTimeout bounds the wait for a file another process holds (default 2s); the error then
	// matches ErrLocked.
	LockTimeout time.Duration
	// DeferCreates makes DataKey return a new subject's key at once, held in memory until
	// CommitPending writes it, instead of waiting for its own commit. The owner must call
	// CommitPending before any event sealed with such a key is durable: ledgerd runs it as the
	// event log's Prepare stage, so every group's new keys are committed (while the group
	// before commits) before the group's events (store_pending.go).
	DeferCreates bool
}

// Errors of the key store.
var (
	// ErrLocked: another process holds the key store (a running ledgerd).
	ErrLocked = errors.New("personal: the key store is locked by another process")
	// ErrReadOnly: a change asked of a store opened read-only.
	ErrReadOnly = errors.New("personal: the key store is open read-only")
	// ErrRewriteDue: a backup asked of a key store whose file may still hold a destroyed (or
	// re-wrapped) key in a freed page (its rewrite after a forget or a rotation was cut short: a
	// crash, a full disk). Opening it for writing — starting the writer — rewrites it, and so do
	// the forget sent again and the rotation run again.
	ErrRewriteDue = errors.New("personal: the key store file may still hold a destroyed or re-wrapped key in a freed page (its rewrite after a forget or a master-key rotation was cut short): start ledgerd, send the forget again or run the rotation again, to finish it; then back it up")
)

// Store is the key store: every customer's data key, wrapped by the current master key, in a
// bbolt file of its own (data/keys.db), apart from the event log so that no backup of the log
// holds a key. It implements KeySource. Destroying a key rewrites the file without it (bbolt
// would otherwise keep the freed page, key and all, until the page is reused). Safe for
// concurrent use.
type Store struct {
	path    string
	opts    StoreOptions
	mu      sync.RWMutex // held exclusively while the file is compacted and swapped
	dbMu    sync.Mutex   // held by the writer goroutine while it commits, and while db is swapped
	db      *bolt.DB
	mapped  int // the address space bbolt mapped for db at its open (MapUse); guarded as db
	ring    atomic.Pointer[MasterKeys]
	cache   keyCache
	changed chan struct{}

	// backups is held shared by a backup while it copies, and exclusively, before mu, by every
	// holder of mu exclusively (Destroy, Compact, Close): one that must wait for a backup waits
	// here, not on mu, where a waiting writer would hold up every reader — every new customer's
	// key, every key not in memory, the key bus — for as long as the backup's reader takes.
	backups sync.RWMutex
	// waiters tells the backups in progress that a caller waits for backups (lockBackups).
	waiters backupWaiters

	// The writer goroutine (store_writer.go), for writable stores.
	creates    chan *createRequest
	quit       chan struct{}
	stopOnce   sync.Once
	writerDone chan struct{}
	marksMu    sync.Mutex
	marks      map[string]uint64 // subject → revision the key bus holds, not yet written
	busSeq     uint64            // the key bus's stream sequence the marks reach, not yet written

	// New keys held in memory until CommitPending (StoreOptions.DeferCreates; store_pending.go).
	pendingMu sync.Mutex
	pending   map[string]pendingKey

	// forgotten holds the subjects the read models saw forgotten whose key is not destroyed yet
	// (Evict; Destroy has not run, or failed): DataKey answers them ErrKeyDestroyed, as once the
	// key is destroyed, so nothing opens their personal data meanwhile — as a reader's key source
	// does (keysync.Source.Evict). Destroy drops them.
	forgottenMu sync.Mutex
	forgotten   map[string]struct{}
}

// OpenStore opens the key store at path, creating it unless read-only. ring may be nil for a
// read-only store that only backs up or lists (it then opens no key).
func OpenStore(path string, ring *MasterKeys, opts StoreOptions) (*Store, error) {
	if ring == nil && !opts.ReadOnly {
		return nil, errors.New("personal: a key store needs master keys")
	}
	if opts.LockTimeout <= 0 {
		opts.LockTimeout = 2 * time.Second
	}
	s := &Store{path: path, opts: opts, changed: make(chan struct{}, 1)}
	s.ring.Store(ring)
	s.cache.init()
	if err := checkFile(path, opts); err != nil {
		return nil, err
	}
	db, err := s.openBolt(path)
	if err != nil {
		return nil, err
	}
	s.db = db
	if !opts.ReadOnly {
		if err := boltcheck.ForgetClean(path); err != nil { // written from now on
			db.Close()
			return nil, fmt.Errorf("personal: key store %s: %w", path, err)
		}
	}
	if err := s.init(); err != nil {
		db.Close()
		return nil, fmt.Errorf("personal: key store %s: %w", path, err)
	}
	if !opts.ReadOnly {
		if err := s.finishRewrite(); err != nil {
			db.Close()
			return nil, err
		}
		s.startWriter()
	}
	return s, nil
}

// finishRewrite rewrites the file when a destroyed or re-wrapped key may still be in a freed
// page: the process stopped (or the disk was full) between a Destroy's tombstones, or a
// rotation's re-wrapping, and the rewrite of the file.
func (s *Store) finishRewrite() error {
	var due bool
	if err := s.db.View(func(tx *bolt.Tx) error {
		due = tx.Bucket(bucketMeta).Get(keyRewriteDue) != nil
		return nil
	}); err != nil || !due {
		return err
	}
	s.backups.Lock()
	defer s.backups.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.compactLocked(); err != nil {
		return fmt.Errorf("personal: key store %s: finishing the rewrite a destroyed key needs: %w", s.path, err)
	}
	return nil
}

// ErrDamaged: the key store's file is empty or damaged (a failed copy or restore, a truncated
// file, a damaged page); restore it from a backup.
var ErrDamaged = errors.New("damaged file")

// checkFile reads the key store's file safely before bbolt opens it, as the event log does:
// bbolt trusts its file and panics on a damaged page (at Open, in a goroutine of its own where
// nothing can recover) or faults on a page beyond the end of a truncated file, which would crash
// ledgerd and every tool. The walk is skipped when the file is exactly as the last clean close
// left it (boltcheck.MarkClean). An empty file where a key store should be is a failed copy or
// restore, not a new store: a new, empty one over it would leave every sealed event without its
// key and seal new events with keys no backup holds. A read-only store needs the file.
func checkFile(path string, opts StoreOptions) error {
	fi, err := os.Stat(path)
	switch {
	case err != nil && (opts.ReadOnly || !errors.Is(err, os.ErrNotExist)):
		return fmt.Errorf("personal: key store %s: %w", path, err)
	case err != nil: // a new key store
		return nil
	case fi.Size() == 0:
		return fmt.Errorf("personal: key store %s: %w: the file is empty, not a key store (restore it from its backup; remove it only when the log holds no sealed event)", path, ErrDamaged)
	}
	switch _, err := boltcheck.CheckUnlessClean(path, opts.LockTimeout); {
	case errors.Is(err, boltcheck.ErrLocked):
		return fmt.Errorf("personal: open %s: %w", path, ErrLocked)
	case err != nil:
		return fmt.Errorf("personal: key store %s: %w: %w", path, ErrDamaged, err)
	}
	return nil
}

// rewriteDue records in tx that the file must be rewritten (keyRewriteDue).
func rewriteDue(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Put(keyRewriteDue, []byte{1}) }

func (s *Store) openBolt(path string) (db *bolt.DB, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("personal: key store %s: unreadable file: %v", path, r)
		}
	}()
	// As the event log: the free-page list is written at Close only (NoFreelistSync), and kept
	// in a hash map. With a million keys, writing the list at every commit and searching it as
	// an array took a quarter of a create's CPU. After a crash, Open finds the free pages by
	// reading every page instead. The map has room for the file to grow (internal/boltmap): bbolt
	// maps it anew only once every read transaction has ended, and every create would wait for a
	// backup whose reader stalled.
	mmapSize := boltmap.Size(path, 0)
	db, err = bolt.Open(path, 0o600, &bolt.Options{Timeout: s.opts.LockTimeout, ReadOnly: s.opts.ReadOnly,
		NoFreelistSync: true, FreelistType: bolt.FreelistMapType, InitialMmapSize: mmapSize})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("personal: open %s: %w", path, ErrLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("personal: open %s: %w", path, boltmap.Explain(err, mmapSize))
	}
	s.mapped = mmapSize // for the db about to be s.db: the callers swap it under s.mu
	return db, nil
}

func (s *Store) init() error {
	check := func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if meta == nil || !bytes.Equal(meta.Get(keyMagic), storeMagic) || tx.Bucket(bucketKeys) == nil || tx.Bucket(bucketOutbox) == nil {
			return errors.New("not a key store")
		}
		if v := meta.Get(keyFormat); len(v) != 4 || binary.BigEndian.Uint32(v) != storeFormat {
			return errors.New("unknown key store format")
		}
		return nil
	}
	if s.opts.ReadOnly {
		return s.db.View(check)
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		empty := true
		_ = tx.ForEach(func([]byte, *bolt.Bucket) error { empty = false; return nil })
		if empty {
			meta, err := tx.CreateBucket(bucketMeta)
			if err != nil {
				return err
			}
			if err := meta.Put(keyMagic, storeMagic); err != nil {
				return err
			}
			if err := meta.Put(keyFormat, binary.BigEndian.AppendUint32(nil, storeFormat)); err != nil {
				return err
			}
			for _, b := range [][]byte{bucketKeys, bucketOutbox} {
				if _, err := tx.CreateBucket(b); err != nil {
					return err
				}
			}
		}
		return check(tx)
	})
}

// Close writes what the writer holds and the free-page list, and closes the file. An error wrapping
// boltcheck.ErrNotMarkedClean means only the free-page list could not be written (a full disk):
// the next Open searches the file for free pages.
func (s *Store) Close() error {
	s.stopWriter()
	s.lockBackups("the key store's close (ledgerd stopping)")
	defer s.backups.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	var listErr error
	if !s.opts.ReadOnly {
		s.db.NoFreelistSync = false // the last commit writes the list: the next Open reads it
		listErr = s.db.Update(func(*bolt.Tx) error { return nil })
	}
	path := s.db.Path()
	err := s.db.Close()
	switch {
	case err != nil:
		if listErr != nil {
			err = fmt.Errorf("%w (and saving the free-page list: %v)", err, listErr)
		}
		return err
	case listErr != nil: // the next Open searches the file for free pages instead
		return fmt.Errorf("personal: %s %w: saving the free-page list: %w", path, boltcheck.ErrNotMarkedClean, listErr)
	case !s.opts.ReadOnly:
		return boltcheck.MarkClean(path) // the next open need not read every page
	}
	return nil
}

// MasterKeys returns the ring in use.
func (s *Store) MasterKeys() *MasterKeys { return s.ring.Load() }

// Changed is signalled (never blocking, at most one pending) when a record changes; the key bus
// publisher waits on it.
func (s *Store) Changed() <-chan struct{} { return s.changed }

func (s *Store) signal() {
	select {
	case s.changed <- struct{}{}:
	default:
	}
}

func getRecord(b *bolt.Bucket, subject string) (KeyRecord, bool, error) {
	v := b.Get([]byte(subject))
	if v == nil {
		return KeyRecord{}, false, nil
	}
	r, err := parseKeyRecord(v)
	if err != nil {
		return KeyRecord{}, false, fmt.Errorf("personal: key record of %s: %w", subject, err)
	}
	r.Subject = subject
	return r, true, nil
}

func putRecord(tx *bolt.Tx, r KeyRecord) error {
	v, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if err := tx.Bucket(bucketKeys).Put([]byte(r.Subject), v); err != nil {
		return err
	}
	return tx.Bucket(bucketOutbox).Put([]byte(r.Subject), binary.BigEndian.AppendUint64(nil, r.Rev))
}

// beforeCreatePending, set only by tests, runs in DataKey between finding no record of a subject
// and making its pending key (StoreOptions.DeferCreates).
var beforeCreatePending func(subject string)

// DataKey implements KeySource.
func (s *Store) DataKey(ctx context.Context, subject string, create bool) (*DataKey, error) {
	if k, ok := s.cache.get(subject); ok {
		return k, nil
	}
	if s.isForgotten(subject) {
		return nil, fmt.Errorf("%w (%s)", ErrKeyDestroyed, subject)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var rec KeyRecord
	var found bool
	err := s.db.View(func(tx *bolt.Tx) (err error) {
		rec, found, err = getRecord(tx.Bucket(bucketKeys), subject)
		return err
	})
	if err != nil {
		return nil, err
	}
	if !found && create {
		if s.opts.ReadOnly {
			return nil, ErrReadOnly
		}
		if s.opts.DeferCreates {
			if beforeCreatePending != nil {
				beforeCreatePending(subject)
			}
			return s.createPending(subject)
		}
		if rec, err = s.create(subject); err != nil {
			return nil, err
		}
		found = true
	}
	switch {
	case !found:
		return nil, fmt.Errorf("%w %s", ErrNoKey, subject)
	case rec.Destroyed:
		return nil, fmt.Errorf("%w (%s)", ErrKeyDestroyed, subject)
	}
	return s.unwrap(rec)
}

// Preload reads the keys of subjects that are not in memory yet in one read transaction and
// unwraps them into the cache, so the DataKey calls that follow find them there: a rebuild opens
// the first events of thousands of customers per read of the log, and one transaction and one
// record lookup per customer were a tenth of its CPU. Subjects without a live key (none yet,
// destroyed) are left for DataKey to report.
func (s *Store) Preload(ctx context.Context, subjects []string) error {
	missing := make([]string, 0, len(subjects))
	for _, sub := range subjects {
		if _, ok := s.cache.get(sub); !ok {
			missing = append(missing, sub)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	slices.Sort(missing) // in key order: the lookups walk the same pages
	missing = slices.Compact(missing)
	s.mu.RLock() // held until the keys are cached, as DataKey does: no Destroy in between
	defer s.mu.RUnlock()
	recs := make([]KeyRecord, 0, len(missing))
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketKeys)
		for _, sub := range missing {
			rec, found, err := getRecord(b, sub)
			if err != nil {
				return err
			}
			if found && !rec.Destroyed && !s.isForgotten(sub) {
				recs = append(recs, rec)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, rec := range recs {
		if err := ctx.Err(); err != nil {
			return err
		}
		if _, err := s.unwrap(rec); err != nil && !errors.Is(err, ErrKeyDestroyed) {
			return err // (a subject evicted meanwhile is left for DataKey to report)
		}
	}
	return nil
}

func (s *Store) unwrap(rec KeyRecord) (*DataKey, error) {
	ring := s.ring.Load()
	if ring == nil {
		return nil, fmt.Errorf("%w (no master keys given)", ErrMasterKey)
	}
	raw, err := ring.unwrap(rec.Subject, rec.Master, rec.Wrapped)
	if err != nil {
		return nil, err
	}
	k, err := NewDataKey(raw)
	if err != nil {
		return nil, err
	}
	s.cache.put(rec.Subject, k)
	if s.isForgotten(rec.Subject) { // evicted meanwhile (Evict marks before it drops)
		s.cache.drop(rec.Subject)
		return nil, fmt.Errorf("%w (%s)", ErrKeyDestroyed, rec.Subject)
	}
	return k, nil
}

// Evict implements KeySource: the subject's key is dropped from memory and, until Destroy
// destroys it, answered as destroyed (unless it is destroyed already: a rebuild evicts every
// forgotten customer of the log, and they are not held for ever).
//
// Only a subject neither held forgotten already nor with its key in memory costs a read of its
// record: a forget evicts its customer three times (the customer projection and the audit index
// as they apply it, then the forget handler), its key in memory the first time (the forget's
// command opened the customer) — no read, and so no wait behind another forget's rewrite of the
// file (Destroy holds s.mu) inside a read model's transaction. A key in memory is a live one:
// Destroy drops it before it writes the tombstone, and nothing caches a destroyed key.
func (s *Store) Evict(subject string) {
	s.forgottenMu.Lock()
	_, held := s.forgotten[subject]
	s.forgottenMu.Unlock()
	live := false
	if !held {
		if _, live = s.cache.get(subject); !live {
			rec, found, err := s.Record(subject)
			live = err != nil || (found && !rec.Destroyed)
		}
	}
	if live { // marked before the key is dropped: see unwrap
		s.forgottenMu.Lock()
		if s.forgotten == nil {
			s.forgotten = make(map[string]struct{})
		}
		s.forgotten[subject] = struct{}{}
		s.forgottenMu.Unlock()
	}
	s.cache.drop(subject)
}

// isForgotten reports whether subject was evicted and its key is not destroyed yet.
func (s *Store) isForgotten(subject string) bool {
	s.forgottenMu.Lock()
	defer s.forgottenMu.Unlock()
	_, ok := s.forgotten[subject]
	return ok
}

// Record returns subject's record (found false when there is none).
func (s *Store) Record(subject string) (rec KeyRecord, found bool, err error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	err = s.db.View(func(tx *bolt.Tx) (err error) {
		rec, found, err = getRecord(tx.Bucket(bucketKeys), subject)
		return err
	})
	return rec, found, err
}

// afterTombstones, set only by tests, runs in Destroy once the tombstones are committed and
// before the file is rewritten (a crash test kills the process there).
var afterTombstones func()

// Destroy destroys the data keys of subjects: their records become tombstones (so a key is never
// made for them again, and the key bus tells the readers), and the file is rewritten without the
// old records. A subject without a key gets a tombstone too. When Destroy returns, no copy of
// the keys is left in the file or in this process.
func (s *Store) Destroy(ctx context.Context, subjects ...string) error {
	if s.opts.ReadOnly {
		return ErrReadOnly
	}
	if len(subjects) == 0 {
		return nil
	}
	s.lockBackups("a forget") // a backup begun before is taken before: it ends first
	defer s.backups.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sub := range subjects {
		s.cache.drop(sub)
	}
	due := false // a rewrite is due (keyRewriteDue): these tombstones, or an earlier one not rewritten yet
	err := s.db.Update(func(tx *bolt.Tx) error {
		changed := false
		for _, sub := range subjects {
			r, _, err := getRecord(tx.Bucket(bucketKeys), sub)
			if err != nil {
				return err
			}
			if r.Destroyed {
				continue
			}
			if err := putRecord(tx, KeyRecord{Subject: sub, Rev: r.Rev + 1, Destroyed: true}); err != nil {
				return err
			}
			changed = true
		}
		if changed {
			if err := rewriteDue(tx); err != nil {
				return err
			}
		}
		due = tx.Bucket(bucketMeta).Get(keyRewriteDue) != nil
		return nil
	})
	if err != nil {
		return fmt.Errorf("%w: personal: destroying keys: %w", eventstore.ErrWriteFailed, err)
	}
	if afterTombstones != nil {
		afterTombstones()
	}
	s.forgottenMu.Lock()
	for _, sub := range subjects {
		delete(s.forgotten, sub) // the tombstone answers for them now
	}
	s.forgottenMu.Unlock()
	if !due { // destroyed before, and the file rewritten since: nothing to do
		return nil
	}
	s.signal()
	return s.compactLocked()
}

// compactLocked rewrites the file with only its live data (bbolt's Compact into a new file,
// renamed over the old one), so no freed page keeps a destroyed or re-wrapped key. s.mu is held.
// A failure leaves the file's keyRewriteDue mark, so the next Destroy (or open) rewrites it.
func (s *Store) compactLocked() error {
	s.dbMu.Lock() // the writer goroutine commits without s.mu (see commitWrites)
	defer s.dbMu.Unlock()
	tmp := s.path + ".compact"
	_ = os.Remove(tmp)
	dst, err := bolt.Open(tmp, 0o600, &bolt.Options{Timeout: s.opts.LockTimeout})
	if err != nil {
		return fmt.Errorf("personal: compacting the key store: %w", err)
	}
	err = bolt.Compact(dst, s.db, 4<<20)
	if err == nil { // the copy holds no freed page: nothing is left to rewrite
		err = dst.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Delete(keyRewriteDue) })
	}
	if err == nil {
		err = dst.Sync()
	}
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("personal: compacting the key store: %w", err)
	}
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("personal: compacting the key store: %w", err)
	}
	if err := os.Rename(tmp, s.path); err != nil {
		_ = os.Remove(tmp)
		if db, rerr := s.openBolt(s.path); rerr == nil { // keep serving from the old file
			s.db = db
		}
		return fmt.Errorf("personal: compacting the key store: %w", err)
	}
	if dir, err := os.Open(filepath.Dir(s.path)); err == nil {
		_ = dir.Sync()
		dir.Close()
	}
	db, err := s.openBolt(s.path)
	if err != nil {
		return err
	}
	s.db = db
	return nil
}

// Compact rewrites the file with only its live data.
func (s *Store) Compact() error {
	if s.opts.ReadOnly {
		return ErrReadOnly
	}
	s.lockBackups("a rewrite of the key store (a master-key rotation)")
	defer s.backups.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.compactLocked()
}

// Backup writes a consistent copy of the key store (one read transaction) to w. It holds no
// destroyed key: Destroy rewrites the file before it returns, and a file whose rewrite was cut
// short (a crash, a full disk) is not copied (ErrRewriteDue) — the copy holds the freed pages.
//
// A forget (Destroy) waits for a backup begun before it, and so do a rewrite of the file (Compact:
// a master-key rotation) and Close, but nothing else does: the copy may take as long as its reader
// likes. BackupNotify tells its caller when one of them waits.
func (s *Store) Backup(w io.Writer) (int64, error) { return s.BackupNotify(w, nil) }

// BackupNotify is Backup, calling waiting (nil: none) once, from a goroutine of its own and before
// BackupNotify returns, when a caller waits for the copy to end — a forget (Destroy), a rewrite of
// the file (Compact), Close — or already waits as the copy begins; by names it ("a forget", ...).
// The copy holds such a caller up for as long as its reader takes: the owner may then cut it
// short (make w fail).
func (s *Store) BackupNotify(w io.Writer, waiting func(by string)) (int64, error) {
	s.backups.RLock()
	defer s.backups.RUnlock()
	if waiting != nil {
		defer s.waiters.notify(waiting)()
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var n int64
	err := s.db.View(func(tx *bolt.Tx) (err error) {
		if tx.Bucket(bucketMeta).Get(keyRewriteDue) != nil {
			return ErrRewriteDue
		}
		n, err = tx.WriteTo(w)
		return err
	})
	return n, err
}

// MapUse returns how much of the file the key store's pages take and how much more they may take
// before bbolt must map it anew (internal/boltmap); eventstore's Store.MapUse says why it matters
// while a backup runs.
func (s *Store) MapUse() (boltmap.Use, error) {
	s.mu.RLock() // never waited for behind a backup: a swap of the file waits for backups first
	defer s.mu.RUnlock()
	return boltmap.MapUse(s.db, s.mapped)
}

// Pending returns up to limit records whose current revision the key bus has not published.
func (s *Store) Pending(limit int) ([]KeyRecord, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	// The marks stay as they are while the outbox is read: a mark written (its outbox entry
	// deleted) and dropped after this read transaction began would otherwise be missing while
	// the transaction still shows its entry, and a published record be reported pending.
	s.marksMu.Lock()
	defer s.marksMu.Unlock()
	var out []KeyRecord
	err := s.db.View(func(tx *bolt.Tx) error {
		keys := tx.Bucket(bucketKeys)
		c := tx.Bucket(bucketOutbox).Cursor()
		for k, v := c.First(); k != nil && len(out) < limit; k, v = c.Next() {
			if len(v) == 8 && s.marks[string(k)] >= binary.BigEndian.Uint64(v) {
				continue // published; the mark is not written yet
			}
			r, found, err := getRecord(keys, string(k))
			if err != nil {
				return err
			}
			if found {
				out = append(out, r)
			}
		}
		return nil
	})
	return out, err
}

// Records returns up to limit records in subject order after the subject after ("" for the
// first): the key bus publisher walks them all, a short read transaction at a time, to refill a
// bus that lost its store.
func (s *Store) Records(after string, limit int) ([]KeyRecord, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []KeyRecord
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketKeys).Cursor()
		k, v := c.First()
		if after != "" {
			if k, v = c.Seek([]byte(after)); k != nil && string(k) == after {
				k, v = c.Next()
			}
		}
		for ; k != nil && len(out) < limit; k, v = c.Next() {
			r, err := parseKeyRecord(v)
			if err != nil {
				return fmt.Errorf("personal: key record of %s: %w", k, err)
			}
			r.Subject = string(k)
			out = append(out, r)
		}
		return nil
	})
	return out, err
}

// RecordCount returns how many subjects have a record (a key or a tombstone): each is one entry
// of the key bus once published.
func (s *Store) RecordCount() (int, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var n int
	err := s.db.View(func(tx *bolt.Tx) error {
		n = tx.Bucket(bucketKeys).Stats().KeyN
		return nil
	})
	return n, err
}

// PublishedThrough records that the key bus's stream acknowledged changes up to sequence seq. The
// publisher calls it before PublishedAll for the same changes: it is written with their marks, so
// a store whose marks say published also says how far the stream reached (BusSeq).
func (s *Store) PublishedThrough(seq uint64) {
	s.marksMu.Lock()
	defer s.marksMu.Unlock()
	s.busSeq = max(s.busSeq, seq)
}

// SetBusSeq records seq as the key bus's last acknowledged sequence, replacing what was recorded:
// the publisher calls it after it published every record again into a stream that lost messages
// (or is new), whose sequences no longer reach the recorded one.
func (s *Store) SetBusSeq(seq uint64) error {
	if s.opts.ReadOnly {
		return ErrReadOnly
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	// Under dbMu, as the writer goroutine takes the held marks (commitWrites): a sequence it held
	// before this one cannot be written over it afterwards.
	s.dbMu.Lock()
	defer s.dbMu.Unlock()
	s.marksMu.Lock()
	s.busSeq = 0
	s.marksMu.Unlock()
	return s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(keyBusSeq, binary.BigEndian.AppendUint64(nil, seq))
	})
}

// BusSeq returns the highest sequence of the key bus's stream that acknowledged a change the
// store holds published (0: none recorded).
func (s *Store) BusSeq() (uint64, error) {
	s.marksMu.Lock()
	held := s.busSeq
	s.marksMu.Unlock()
	var stored uint64
	err := s.view(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketMeta).Get(keyBusSeq); len(v) == 8 {
			stored = binary.BigEndian.Uint64(v)
		}
		return nil
	})
	return max(held, stored), err
}

// Published records that the key bus holds revision rev of subject's record.
func (s *Store) Published(subject string, rev uint64) error {
	return s.PublishedAll([]KeyRecord{{Subject: subject, Rev: rev}})
}

// PublishedAll records that the key bus holds each record's revision (Subject and Rev are
// read). The marks are written with the next key creation's commit, or within markDelay, not
// at once: a mark lost in a crash only has the key published again.
func (s *Store) PublishedAll(recs []KeyRecord) error {
	if s.opts.ReadOnly {
		return ErrReadOnly
	}
	s.marksMu.Lock()
	defer s.marksMu.Unlock()
	for _, r := range recs {
		if r.Rev > s.marks[r.Subject] {
			s.marks[r.Subject] = r.Rev
		}
	}
	return nil
}

// keyCache keeps unwrapped data keys in memory: at most keyCacheSize in each of two
// generations, the older dropped when the newer fills.
type keyCache struct {
	mu       sync.Mutex
	cur, old map[string]*DataKey
}

const keyCacheSize = 1 << 16

func (c *keyCache) init() { c.cur, c.old = map[string]*DataKey{}, map[string]*DataKey{} }

func (c *keyCache) get(subject string) (*DataKey, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if k, ok := c.cur[subject]; ok {
		return k, true
	}
	if k, ok := c.old[subject]; ok {
		c.putLocked(subject, k)
		return k, true
	}
	return nil, false
}

func (c *keyCache) put(subject string, k *DataKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.putLocked(subject, k)
}

func (c *keyCache) putLocked(subject string, k *DataKey) {
	if len(c.cur) >= keyCacheSize {
		c.old, c.cur = c.cur, map[string]*DataKey{}
	}
	c.cur[subject] = k
}

func (c *keyCache) drop(subject string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.cur, subject)
	delete(c.old, subject)
}

func (c *keyCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cur, c.old = map[string]*DataKey{}, map[string]*DataKey{}
}

// CheckFile opens a key store file read-only and checks that it is a key store whose pages are
// consistent (bbolt's check): for a backup just written. No master key is needed.
func CheckFile(path string) (err error) {
	s := &Store{path: path, opts: StoreOptions{ReadOnly: true, LockTimeout: time.Second}}
	if err := checkFile(path, s.opts); err != nil {
		return err
	}
	if s.db, err = s.openBolt(path); err != nil {
		return err
	}
	defer s.db.Close()
	if err := s.init(); err != nil {
		return fmt.Errorf("personal: %s: %w", path, err)
	}
	return s.db.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			return fmt.Errorf("personal: %s: %w", path, err)
		}
		return nil
	})
}
