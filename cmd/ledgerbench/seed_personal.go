package main

import (
	"errors"
	"os"
	"path/filepath"

	"github.com/nordledger/ledger/eventstore/personal"
)

// sealing opens the data directory's key store as ledgerd does, so offline-seeded customers are
// stored sealed like the ones ledgerd creates (docs/data-protection.md): the master keys from
// $LEDGERD_MASTER_KEY, $LEDGERD_MASTER_KEY_FILE, or {data dir}/master.key (made when missing, as
// a writer does), the data keys in {data dir}/keys.db (closed by the caller).
func sealing(dataDir string) (pd *personal.Protector, keys *personal.Store, err error) {
	text := os.Getenv("LEDGERD_MASTER_KEY")
	if text == "" {
		path := os.Getenv("LEDGERD_MASTER_KEY_FILE")
		if path == "" {
			path = filepath.Join(dataDir, "master.key")
			if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
				key, err := personal.NewMasterKey()
				if err != nil {
					return nil, nil, err
				}
				if err := os.WriteFile(path, []byte(key+"\n"), 0o600); err != nil {
					return nil, nil, err
				}
			}
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, nil, err
		}
		text = string(b)
	}
	ring, err := personal.ParseMasterKeys(text)
	if err != nil {
		return nil, nil, err
	}
	path := os.Getenv("LEDGERD_KEY_STORE")
	if path == "" {
		path = filepath.Join(dataDir, "keys.db")
	}
	if keys, err = personal.OpenStore(path, ring, personal.StoreOptions{}); err != nil {
		return nil, nil, err
	}
	return personal.NewProtector(keys), keys, nil
}
