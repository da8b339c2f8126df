package main

import (
	"encoding/json"
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

// TestMasterKeyNewOutput: "master-key new" that cannot write its key (a full disk under
// "ledgerctl master-key new >> master.key") fails, exit 1 — it said success with no key written;
// with --json it prints the key and its id as JSON, which it ignored.
func TestMasterKeyNewOutput(t *testing.T) {
	var errOut strings.Builder
	if code := run([]string{"master-key", "new"}, failingWriter{}, &errOut, func(string) string { return "" }); code != exitFailure {
		t.Errorf("to a full disk: exit code = %d, want %d; stderr %q", code, exitFailure, errOut.String())
	}
	if !strings.Contains(errOut.String(), "no space left on device") {
		t.Errorf("stderr = %q, want the write error", errOut.String())
	}
	stdout, stderr, code := runCLI(t, nil, "master-key", "new", "--json")
	if code != exitOK {
		t.Fatalf("--json: exit code = %d; stderr %q", code, stderr)
	}
	var got struct{ Key, ID string }
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("--json printed %q: %v", stdout, err)
	}
	if id, err := personal.MasterKeyID(got.Key); err != nil || id != got.ID {
		t.Errorf("--json printed key %q id %q; its id is %q (%v)", got.Key, got.ID, id, err)
	}
}
