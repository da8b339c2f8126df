package main

// A writer started without a master key that wraps its customers' data keys.

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nordledger/ledger/eventstore/personal"
)

// TestE2EStartRefusesMissingMasterKey: the old master key removed from the file before the
// rotation (only the new key there), or another key file altogether: the ledgerd binary stops at
// start with exit status 1 and a last line naming the master key the data keys need — rather
// than report ready and answer every existing customer 500. With the new key first and the old
// after it starts and reads everyone.
func TestE2EStartRefusesMissingMasterKey(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildLedgerd(t)
	s := startServer(t)
	for i := range 5 {
		s.createCustomer(t, s.token, newCustomer(fmt.Sprint(6300+i), "Master Key Test"))
	}
	s.stop(t)
	keyFile := filepath.Join(s.dir, "master.key")
	old := strings.TrimSpace(string(mustRead(t, keyFile)))
	oldID, _ := personal.MasterKeyID(old)
	newKey, err := personal.NewMasterKey()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, []byte(newKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := waitContext(t) // a ledgerd that starts (wrongly) is killed near the test's deadline
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-data-dir", s.dir, "-http-addr", "127.0.0.1:0", "-nats-listen", "127.0.0.1:0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err = cmd.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("ledgerd without the master key of its data keys: %v (want exit status 1); stderr:\n%s", err, stderr.String())
	}
	if last := lastLine(stderr.String()); !strings.HasPrefix(last, "ledgerd: master key: ") || !strings.Contains(last, oldID) {
		t.Errorf("the last line does not name the missing master key %s:\n%s", oldID, last)
	}

	if err := os.WriteFile(keyFile, []byte(newKey+"\n"+old+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s.start(t)
	for i := range 5 {
		expectStatus(t, s.do(t, http.MethodGet, customersPath(demoLedger, fmt.Sprint(6300+i)), s.token, nil), http.StatusOK)
	}
}

// TestE2EStartRefusesMissingKeyStore: the log restored without its key store (keys.db left
// behind): the ledgerd binary stops at start with exit status 1 and a last line naming the key
// store to restore, and makes none — a new, empty one would seal the next customers with keys that
// restoring the right key store then overwrites, losing their data. With the key store restored it
// starts and serves every customer.
func TestE2EStartRefusesMissingKeyStore(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildLedgerd(t)
	s := startServer(t)
	for i := range 5 {
		s.createCustomer(t, s.token, newCustomer(fmt.Sprint(6500+i), "Restore Without Keys"))
	}
	s.stop(t)
	restored := t.TempDir()
	for _, f := range []string{"events.db", "master.key", "reservation.key", "jwt-secret"} {
		copyFile(t, filepath.Join(s.dir, f), filepath.Join(restored, f))
	}
	ctx, cancel := waitContext(t) // a ledgerd that starts (wrongly) is killed near the test's deadline
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-data-dir", restored, "-http-addr", "127.0.0.1:0", "-nats-listen", "127.0.0.1:0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("ledgerd on a sealed log without its key store: %v (want exit status 1); stderr:\n%s", err, stderr.String())
	}
	keys := filepath.Join(restored, "keys.db")
	if last := lastLine(stderr.String()); !strings.HasPrefix(last, "ledgerd: ") || !strings.Contains(last, "no key store") || !strings.Contains(last, keys) {
		t.Errorf("the last line does not name the key store to restore, %s:\n%s", keys, last)
	}
	if _, err := os.Stat(keys); !os.IsNotExist(err) {
		t.Errorf("ledgerd made a key store: %v", err)
	}

	copyFile(t, filepath.Join(s.dir, "keys.db"), keys)
	r := &testServer{dir: restored, logs: &syncBuffer{}, client: s.client}
	r.start(t)
	defer r.stop(t)
	for i := range 5 {
		expectStatus(t, r.do(t, http.MethodGet, customersPath(demoLedger, fmt.Sprint(6500+i)), r.token, nil), http.StatusOK)
	}
}
