package datadir

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/nordledger/ledger/eventstore/personal"
)

// ErrMasterKeysTwice: the master keys are given both directly (LEDGERD_MASTER_KEY) and as a file.
var ErrMasterKeysTwice = errors.New("give the master keys once: " + EnvMasterKey + " or a master key file, not both")

// MasterKeys reads the master keys, with one precedence for every program: MasterKey
// (LEDGERD_MASTER_KEY) when set, else the master key file (MasterKeyFile, default
// Path/master.key); both set is ErrMasterKeysTwice. With generate, a missing default file is made
// with a new key (a writer's development default: a production master key lives outside the data
// directory and its backups); generated is then its path.
func (d Dir) MasterKeys(generate bool) (ring *personal.MasterKeys, generated string, err error) {
	if d.MasterKey != "" && d.MasterKeyFile != "" {
		return nil, "", ErrMasterKeysTwice
	}
	if d.MasterKey != "" {
		ring, err := personal.ParseMasterKeys(d.MasterKey)
		if err != nil {
			return nil, "", fmt.Errorf("%s: %w", EnvMasterKey, err)
		}
		return ring, "", nil
	}
	path := d.MasterKeyPath()
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) && generate && d.MasterKeyFile == "" {
		if err := GenerateMasterKey(path); err != nil {
			return nil, "", fmt.Errorf("master key: %w", err)
		}
		generated = path
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, "", fmt.Errorf("reading the master keys (%s, %s or <data dir>/%s): %w", EnvMasterKey, EnvMasterKeyFile, MasterKey, err)
	}
	if ring, err = personal.ParseMasterKeys(string(data)); err != nil {
		return nil, "", fmt.Errorf("master key file %s: %w", path, err)
	}
	return ring, generated, nil
}

// GenerateMasterKey writes a new master key file at path (never over an existing one), fsynced,
// readable by its owner only.
func GenerateMasterKey(path string) error {
	key, err := personal.NewMasterKey()
	if err != nil {
		return err
	}
	return writeNew(path, "# ledgerd master key (the current one first; see docs/data-protection.md)\n"+key+"\n")
}
