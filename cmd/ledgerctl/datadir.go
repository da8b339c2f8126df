package main

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore"
	cmds "github.com/nordledger/ledger/eventstore/commands"
	"github.com/nordledger/ledger/eventstore/personal"
	"github.com/nordledger/ledger/projections"
)

// The files of ledgerd's data directory that ledgerctl reads, and ledgerd's environment
// variables that name them.
const (
	dataDirEnv      = "LEDGERD_DATA_DIR"
	keyFileEnv      = "LEDGERD_KEY_FILE"
	defaultDataDir  = "data"
	eventsFile      = "events.db"
	projectionsFile = "projections.db"
	keyFileName     = "reservation.key"
	keyStoreFile    = "keys.db"
	masterKeyFile   = "master.key"
	masterKeyEnv    = "LEDGERD_MASTER_KEY"
	masterFileEnv   = "LEDGERD_MASTER_KEY_FILE"
	keyStoreEnv     = "LEDGERD_KEY_STORE"
)

// dataFlags are the flags of the commands that work on a data directory.
type dataFlags struct {
	dataDir       string
	keyFile       string
	wait          time.Duration
	masterKey     string // $LEDGERD_MASTER_KEY
	masterKeyFile string
	keyStore      string
}

func (d *dataFlags) register(fs *flag.FlagSet, e *env) {
	def := e.getenv(dataDirEnv)
	if def == "" {
		def = defaultDataDir
	}
	fs.StringVar(&d.dataDir, "data-dir", def, "ledgerd's data `directory` ($"+dataDirEnv+")")
	fs.StringVar(&d.keyFile, "key-file", e.getenv(keyFileEnv), "the national-identifier key `file` (default $"+keyFileEnv+" or <data-dir>/"+keyFileName+")")
	fs.DurationVar(&d.wait, "wait", time.Second, "how long to wait for a file another process holds")
	d.masterKey = e.getenv(masterKeyEnv)
	fs.StringVar(&d.masterKeyFile, "master-key-file", e.getenv(masterFileEnv), "the master keys `file` (default $"+masterKeyEnv+", $"+masterFileEnv+" or <data-dir>/"+masterKeyFile+")")
	fs.StringVar(&d.keyStore, "key-store", e.getenv(keyStoreEnv), "the data keys' `file` (default $"+keyStoreEnv+" or <data-dir>/"+keyStoreFile+")")
}

// keyStorePath returns the key store's path.
func (d *dataFlags) keyStorePath() string {
	if d.keyStore != "" {
		return d.keyStore
	}
	return d.path(keyStoreFile)
}

// masterKeys reads the master keys as ledgerd does.
func (d *dataFlags) masterKeys() (*personal.MasterKeys, error) {
	if d.masterKey != "" && d.masterKeyFile == "" {
		return personal.ParseMasterKeys(d.masterKey)
	}
	path := d.masterKeyFile
	if path == "" {
		path = d.path(masterKeyFile)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the master keys (ledgerd's $%s, $%s or <data-dir>/%s; --master-key-file): %w", masterKeyEnv, masterFileEnv, masterKeyFile, err)
	}
	return personal.ParseMasterKeys(string(b))
}

// protector opens the key store read-only and returns a protector over it, which opens sealed
// events as ledgerd does; nil when the data directory has no key store (a log from before
// sealing existed: a sealed event then fails). close releases the key store.
func (d *dataFlags) protector() (pd *personal.Protector, close func(), err error) {
	path := d.keyStorePath()
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, func() {}, nil
	}
	ring, err := d.masterKeys()
	if err != nil {
		return nil, nil, err
	}
	keys, err := personal.OpenStore(path, ring, personal.StoreOptions{ReadOnly: true, LockTimeout: d.wait})
	if errors.Is(err, personal.ErrLocked) {
		return nil, nil, errInUse(path)
	}
	if err != nil {
		return nil, nil, err
	}
	return personal.NewProtector(keys), func() { keys.Close() }, nil
}

func (d *dataFlags) path(name string) string { return filepath.Join(d.dataDir, name) }

// inUseError explains a file another process holds: ledgerd, unless another ledgerctl.
type inUseError struct{ path string }

func (e inUseError) Error() string {
	return e.path + " is in use by another process (a running ledgerd?): stop ledgerd first, this command works offline"
}

func errInUse(path string) error { return inUseError{path} }

// openLog opens the event log read-only. It never creates one.
func (d *dataFlags) openLog() (*eventstore.Store, error) {
	path := d.path(eventsFile)
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("no event log at %s (is --data-dir the writer's data directory?)", path)
		}
		return nil, err
	}
	store, err := eventstore.Open(path, eventstore.Options{ReadOnly: true, LockTimeout: d.wait})
	if errors.Is(err, eventstore.ErrLocked) {
		return nil, errInUse(path)
	}
	return store, err
}

// openProjections opens the projections file read-only (nil, nil when there is none), holding
// its lock so that ledgerd cannot start on it meanwhile.
func (d *dataFlags) openProjections() (*projections.DB, error) {
	path := d.path(projectionsFile)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	db, err := projections.OpenReadOnly(path, d.wait)
	if errors.Is(err, projections.ErrLocked) {
		return nil, errInUse(path)
	}
	return db, err
}

// natID reads the national-identifier key and returns the projections' keying with it: the same
// as ledgerd's, which a rebuild must match.
func (d *dataFlags) natID() (projections.NationalIDKeyFunc, error) {
	path := d.keyFile
	if path == "" {
		path = d.path(keyFileName)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the national-identifier key (ledgerd keeps it in <data-dir>/%s; --key-file): %w", keyFileName, err)
	}
	key := []byte(strings.TrimSpace(string(b)))
	if len(key) < 32 {
		return nil, fmt.Errorf("%s: the key is shorter than 32 characters", path)
	}
	return func(ledgerNo string, ni domain.NationalIdentifier) string {
		return cmds.NationalIDKey(key, ledgerNo, ni)
	}, nil
}
