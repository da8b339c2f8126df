package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/eventstore/personal"
	"github.com/nordledger/ledger/eventstore/personal/keysync"
	"github.com/nordledger/ledger/internal/datadir"
)

// The data protection of ledgerd (docs/data-protection.md): the master keys from the
// configuration, the key store of a writer, the key bus of a reader, and the protector that
// seals and opens personal data with them.

// dir returns the data directory as the options configure it.
func (m *Main) dir() datadir.Dir {
	o := m.Options
	return datadir.Dir{Path: o.DataDir, KeyFile: o.KeyFile, MasterKey: o.MasterKey, MasterKeyFile: o.MasterKeyFile,
		KeyStore: o.KeyStore, AdminSocket: o.AdminSocket}
}

// readMasterKeys reads the master keys (datadir.Dir.MasterKeys). A writer given none generates a
// key in {data dir}/master.key (for development: a production master key lives outside the data
// directory and its backups).
func (m *Main) readMasterKeys(generate bool) (*personal.MasterKeys, error) {
	ring, generated, err := m.dir().MasterKeys(generate)
	if err != nil {
		if m.Options.Role == RoleReader {
			return nil, fmt.Errorf("master key: a reader needs the writer's master keys (LEDGERD_MASTER_KEY or LEDGERD_MASTER_KEY_FILE): %w", err)
		}
		return nil, err
	}
	if generated != "" && m.log != nil {
		m.log.Warn("generated a master key in the data directory: fine for development; in production give LEDGERD_MASTER_KEY or a key file kept apart from the data and its backups", "file", generated)
	}
	return ring, nil
}

// openPersonal returns the protector: over the key store on a writer (opened here), over the
// key bus on a reader (fed by startReader).
func (m *Main) openPersonal() (*personal.Protector, error) {
	ring, err := m.readMasterKeys(m.Options.Role == RoleWriter)
	if err != nil {
		return nil, err
	}
	if m.Options.Role == RoleReader {
		m.keyBus, err = keysync.NewSource(keysync.SourceConfig{MasterKeys: ring, Reload: m.reloadMasterKeys,
			Logger: m.log.With("component", "keybus")})
		if err != nil {
			return nil, err
		}
		return personal.NewProtector(m.keyBus), nil
	}
	if err := m.checkKeyStoreMissing(); err != nil {
		return nil, err
	}
	// New keys are committed by the event log's commit pipeline, before the events sealed with
	// them (startWriter: eventstore.Options.Prepare).
	if m.keys, err = personal.OpenStore(m.dir().KeyStorePath(), ring, personal.StoreOptions{DeferCreates: true}); err != nil {
		return nil, err
	}
	// Every data key must open with the master keys given, else every customer whose key does
	// not would be an internal error on a service that reports ready.
	if err := m.keys.CheckMasterKeys(ring); err != nil {
		return nil, fmt.Errorf("master key: %w", err)
	}
	return personal.NewProtector(m.keys), nil
}

// checkKeyStoreMissing refuses to make a new key store for a log that already holds sealed events:
// its keys are in a key store that was not restored (a restore of events.db alone, a wrong
// -key-store). A new one would leave those events unreadable, and seal the new customers' data
// with keys that restoring the right key store then overwrites. A log without sealed events (none
// yet, or written before sealing) gets its first key store. Read only when keys.db is missing.
func (m *Main) checkKeyStoreMissing() error {
	keysPath, logPath := m.dir().KeyStorePath(), m.dir().File(datadir.Events)
	if _, err := os.Stat(keysPath); !errors.Is(err, fs.ErrNotExist) {
		return nil // there, or an error the key store's open reports
	}
	if fi, err := os.Stat(logPath); err != nil || fi.Size() == 0 {
		return nil // no log yet (an empty one is refused by the log's open)
	}
	log, err := eventstore.Open(logPath, eventstore.Options{ReadOnly: true})
	if err != nil {
		return nil // the log's own open, next, says what is wrong with it
	}
	defer log.Close()
	return datadir.CheckSealedWithoutKeyStore(context.Background(), log, keysPath)
}

// reloadMasterKeys reads the master keys again (a rotation adds one).
func (m *Main) reloadMasterKeys() (*personal.MasterKeys, error) { return m.readMasterKeys(false) }

// reconcileKeys finishes the forgets the log holds that the key store does not reflect (a forget
// cut short, a key store restored from an older backup) before anything is read.
func (m *Main) reconcileKeys(ctx context.Context) error {
	head, err := m.store.Head(ctx)
	if err != nil {
		return err
	}
	destroyed, err := m.keys.Reconcile(ctx, m.store, head)
	if err != nil {
		return fmt.Errorf("reconciling the key store with the log: %w", err)
	}
	if len(destroyed) > 0 {
		m.log.Warn("destroyed the data keys of customers the log says are forgotten (a forget cut short, or a restored key store)", "count", len(destroyed))
	}
	return nil
}

// eventOpener serves httpapi.EventOpener with the protector.
type eventOpener struct{ pd *personal.Protector }

func (o eventOpener) OpenEvent(ctx context.Context, e eventstore.Event) ([]byte, []string, error) {
	opened, err := o.pd.OpenEvent(ctx, e)
	return opened.Data, opened.Erased, err
}

// startKeyPublisher copies the key store's changes to the key bus, for the readers.
func (m *Main) startKeyPublisher(ctx context.Context, js jetstream.JetStream) (*keysync.Publisher, error) {
	pub, err := keysync.NewPublisher(keysync.PublisherConfig{Keys: m.keys, JetStream: js, Replicas: m.Options.NATSReplicas,
		Logger: m.log.With("component", "keybus")})
	if err != nil {
		return nil, err
	}
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		pub.Run(ctx)
	}()
	return pub, nil
}
