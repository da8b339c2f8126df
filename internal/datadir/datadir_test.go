package datadir_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nordledger/ledger/eventstore/personal"
	"github.com/nordledger/ledger/internal/datadir"
)

// TestMasterKeysPrecedence: one rule for every program — LEDGERD_MASTER_KEY wins over the default
// file, a master key file is read when it is not set, both given is refused, and a writer given
// none generates the default file (once: never over another).
func TestMasterKeysPrecedence(t *testing.T) {
	dir := t.TempDir()
	fileKey, _ := personal.NewMasterKey()
	envKey, _ := personal.NewMasterKey()
	fileID, _ := personal.MasterKeyID(fileKey)
	envID, _ := personal.MasterKeyID(envKey)
	if err := os.WriteFile(filepath.Join(dir, datadir.MasterKey), []byte(fileKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	current := func(d datadir.Dir) string {
		t.Helper()
		ring, _, err := d.MasterKeys(false)
		if err != nil {
			t.Fatal(err)
		}
		return ring.Current()
	}
	if got := current(datadir.Dir{Path: dir}); got != fileID {
		t.Errorf("the default file: %s, want %s", got, fileID)
	}
	if got := current(datadir.Dir{Path: dir, MasterKey: envKey}); got != envID {
		t.Errorf("LEDGERD_MASTER_KEY and the default file: %s, want the variable's %s", got, envID)
	}
	if _, _, err := (datadir.Dir{Path: dir, MasterKey: envKey, MasterKeyFile: filepath.Join(dir, datadir.MasterKey)}).MasterKeys(false); !errors.Is(err, datadir.ErrMasterKeysTwice) {
		t.Errorf("both given: %v, want ErrMasterKeysTwice", err)
	}

	empty := t.TempDir()
	if _, _, err := (datadir.Dir{Path: empty}).MasterKeys(false); err == nil || !strings.Contains(err.Error(), "master keys") {
		t.Errorf("none, not generated: %v", err)
	}
	_, generated, err := (datadir.Dir{Path: empty}).MasterKeys(true)
	if err != nil || generated != filepath.Join(empty, datadir.MasterKey) {
		t.Fatalf("generated %q, %v", generated, err)
	}
	if fi, err := os.Stat(generated); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("generated file: %v %v", fi, err)
	}
	if err := datadir.GenerateMasterKey(generated); err == nil {
		t.Error("a master key was written over an existing file")
	}
}

// TestSecrets: a secret file is created once (owner-only), read back the same, and one shorter
// than 32 characters is refused.
func TestSecrets(t *testing.T) {
	path := filepath.Join(t.TempDir(), datadir.JWTSecret)
	s1, created, err := datadir.EnsureSecret(path)
	if err != nil || !created || len(s1) != 64 {
		t.Fatalf("%q %v %v", s1, created, err)
	}
	s2, created, err := datadir.EnsureSecret(path)
	if err != nil || created || string(s2) != string(s1) {
		t.Fatalf("again: %q %v %v", s2, created, err)
	}
	if err := os.WriteFile(path, []byte("short\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := datadir.ReadSecret(path); err == nil || !strings.Contains(err.Error(), "shorter than 32") {
		t.Errorf("short secret: %v", err)
	}
}
