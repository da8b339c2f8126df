package main

import (
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/eventstore/personal"
	"github.com/nordledger/ledger/internal/datadir"
	"github.com/nordledger/ledger/projections"
)

// dataFlags are the flags of the commands that work on a data directory (package datadir: its
// files, and ledgerd's environment variables that name them).
type dataFlags struct {
	dataDir       string
	keyFile       string
	wait          time.Duration
	masterKey     string // $LEDGERD_MASTER_KEY
	masterKeyFile string
	keyStore      string
}

func (d *dataFlags) register(fs *flag.FlagSet, e *env) {
	def := e.getenv(datadir.EnvDataDir)
	if def == "" {
		def = datadir.DefaultPath
	}
	fs.StringVar(&d.dataDir, "data-dir", def, "ledgerd's data `directory` ($"+datadir.EnvDataDir+")")
	fs.StringVar(&d.keyFile, "key-file", e.getenv(datadir.EnvKeyFile), "the national-identifier key `file` (default $"+datadir.EnvKeyFile+" or <data-dir>/"+datadir.ReservationKey+")")
	d.wait = time.Second
	fs.Var((*waitFlag)(&d.wait), "wait", "how long (a `duration`, not negative) to wait for a file another process holds")
	d.masterKey = e.getenv(datadir.EnvMasterKey)
	fs.StringVar(&d.masterKeyFile, "master-key-file", e.getenv(datadir.EnvMasterKeyFile), "the master keys `file` (default $"+datadir.EnvMasterKey+", $"+datadir.EnvMasterKeyFile+" or <data-dir>/"+datadir.MasterKey+"; not with $"+datadir.EnvMasterKey+")")
	fs.StringVar(&d.keyStore, "key-store", e.getenv(datadir.EnvKeyStore), "the data keys' `file` (default $"+datadir.EnvKeyStore+" or <data-dir>/"+datadir.KeyStore+")")
}

// waitFlag is --wait: a duration, not negative (bbolt takes a negative timeout as "do not wait").
type waitFlag time.Duration

func (w *waitFlag) String() string { return time.Duration(*w).String() }

// Set parses a duration that is not negative.
func (w *waitFlag) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil {
		return errors.New("parse error")
	}
	if d < 0 {
		return fmt.Errorf("--wait %v is negative", d)
	}
	*w = waitFlag(d)
	return nil
}

// dir returns the data directory the flags name.
func (d *dataFlags) dir() datadir.Dir {
	return datadir.Dir{Path: d.dataDir, KeyFile: d.keyFile, MasterKey: d.masterKey, MasterKeyFile: d.masterKeyFile,
		KeyStore: d.keyStore, LockTimeout: d.wait}
}

func (d *dataFlags) path(name string) string { return d.dir().File(name) }

// keyStorePath returns the key store's path.
func (d *dataFlags) keyStorePath() string { return d.dir().KeyStorePath() }

// masterKeys reads the master keys as ledgerd does.
func (d *dataFlags) masterKeys() (*personal.MasterKeys, error) {
	ring, _, err := d.dir().MasterKeys(false)
	return ring, err
}

// protector opens the key store read-only (datadir.Dir.ReadOnlyProtector).
func (d *dataFlags) protector() (pd *personal.Protector, close func(), err error) {
	return d.dir().ReadOnlyProtector()
}

// errInUse explains a file another process holds: ledgerd, unless another ledgerctl.
func errInUse(path string) error { return &datadir.InUseError{Path: path} }

// openLog opens the event log read-only. It never creates one.
func (d *dataFlags) openLog() (*eventstore.Store, error) { return d.dir().OpenLogReadOnly() }

// openProjections opens the projections file read-only (nil, nil when there is none).
func (d *dataFlags) openProjections() (*projections.DB, error) {
	return d.dir().OpenProjectionsReadOnly()
}

// natID reads the national-identifier key and returns the projections' keying with it: the same
// as ledgerd's, which a rebuild must match.
func (d *dataFlags) natID() (projections.NationalIDKeyFunc, error) {
	key, err := d.dir().ReadReservationKey()
	if err != nil {
		return nil, err
	}
	return datadir.NatID(key), nil
}
