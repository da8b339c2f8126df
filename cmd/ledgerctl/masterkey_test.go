package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/nordledger/ledger/eventstore/personal"
	"github.com/nordledger/ledger/internal/datadir"
)

// TestRotateOfflineKeepsTheOldKeyForTheKeyBus: an offline rotation re-wraps every data key in
// keys.db (the new master key alone then opens them), but no ledgerd runs to put the re-wrapped
// keys on the key bus, which the reader replicas unwrap: it exits 1 saying the old key must stay
// until ledgerd has started and a rotation succeeds — not "all wrapped by the new key", the
// docs' signal to remove the old key from every file.
func TestRotateOfflineKeepsTheOldKeyForTheKeyBus(t *testing.T) {
	dir := newDataDir(t)
	sealedHistory(t, dir, 5, 5, "102")
	newKey, _ := personal.NewMasterKey()
	if err := os.WriteFile(filepath.Join(dir, datadir.MasterKey), []byte(newKey+"\n"+testMasterKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code := runCLI(t, nil, "master-key", "rotate", "--data-dir", dir)
	if code != exitFailure || !strings.Contains(stderr, "not on the key bus yet") || !strings.Contains(stderr, "old master key") {
		t.Errorf("offline rotation: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	// It read "1 record is of it not on the key bus yet".
	if !regexp.MustCompile(`but (1 record of it is|[0-9]+ records of it are) not on the key bus yet`).MatchString(stderr) {
		t.Errorf("offline rotation: the count reads wrongly: %s", stderr)
	}
	ring, _ := personal.ParseMasterKeys(newKey)
	keys, err := personal.OpenStore(filepath.Join(dir, datadir.KeyStore), ring, personal.StoreOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer keys.Close()
	if err := keys.CheckMasterKeys(ring); err != nil {
		t.Errorf("keys.db after the offline rotation: %v", err)
	}
}
