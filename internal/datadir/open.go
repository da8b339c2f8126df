package datadir

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/eventstore/personal"
	"github.com/nordledger/ledger/internal/app"
	"github.com/nordledger/ledger/projections"
)

// InUseError: a file of the directory is held by another process (a running ledgerd, unless
// another tool), and the command works offline.
type InUseError struct{ Path string }

func (e *InUseError) Error() string {
	return e.Path + " is in use by another process (a running ledgerd?): stop ledgerd first, this command works offline"
}

// ReadReservationKey reads the national-identifier key (KeyFilePath).
func (d Dir) ReadReservationKey() ([]byte, error) {
	key, err := ReadSecret(d.KeyFilePath())
	if err != nil {
		return nil, fmt.Errorf("reading the national-identifier key (ledgerd keeps it in <data-dir>/%s; --key-file): %w", ReservationKey, err)
	}
	return key, nil
}

// NatID returns the projections' keying of national identifiers with key: the command handler's
// reservations' (app.NationalIDKey), which a rebuild must match.
func NatID(key []byte) projections.NationalIDKeyFunc {
	return func(ledgerNo string, ni domain.NationalIdentifier) string {
		return app.NationalIDKey(key, ledgerNo, ni)
	}
}

// OpenLogReadOnly opens the event log for reading; it never creates one.
func (d Dir) OpenLogReadOnly() (*eventstore.Store, error) {
	path := d.File(Events)
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("no event log at %s (is --data-dir the writer's data directory?)", path)
		}
		return nil, err
	}
	store, err := eventstore.Open(path, eventstore.Options{ReadOnly: true, LockTimeout: d.LockTimeout})
	if errors.Is(err, eventstore.ErrLocked) {
		return nil, &InUseError{path}
	}
	return store, err
}

// OpenProjectionsReadOnly opens the read models' file for reading (nil, nil when there is none),
// holding its lock so that ledgerd cannot start on it meanwhile.
func (d Dir) OpenProjectionsReadOnly() (*projections.DB, error) {
	path := d.File(Projections)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	db, err := projections.OpenReadOnly(path, d.LockTimeout)
	if errors.Is(err, projections.ErrLocked) {
		return nil, &InUseError{path}
	}
	return db, err
}

// OpenKeyStore opens the key store with the master keys (generating the default master key file
// when generate is set and none is given: MasterKeys).
func (d Dir) OpenKeyStore(generate bool, opts personal.StoreOptions) (*personal.Store, error) {
	ring, _, err := d.MasterKeys(generate)
	if err != nil {
		return nil, err
	}
	if opts.LockTimeout == 0 {
		opts.LockTimeout = d.LockTimeout
	}
	keys, err := personal.OpenStore(d.KeyStorePath(), ring, opts)
	if errors.Is(err, personal.ErrLocked) {
		return nil, &InUseError{d.KeyStorePath()}
	}
	return keys, err
}

// ReadOnlyProtector opens the key store read-only and returns a protector over it, which opens
// sealed events as ledgerd does; nil when the directory has no key store (a log from before
// sealing existed: a sealed event then fails). close releases the key store.
func (d Dir) ReadOnlyProtector() (pd *personal.Protector, close func(), err error) {
	if _, err := os.Stat(d.KeyStorePath()); errors.Is(err, fs.ErrNotExist) {
		return nil, func() {}, nil
	}
	keys, err := d.OpenKeyStore(false, personal.StoreOptions{ReadOnly: true})
	if err != nil {
		return nil, nil, err
	}
	return personal.NewProtector(keys), func() { keys.Close() }, nil
}
