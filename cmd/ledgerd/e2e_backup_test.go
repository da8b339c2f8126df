package main

// ledgerctl against a running ledgerd: consistent backups of the event log and the key store
// while writes go on, a restore, and a master key rotation without downtime; and the operating
// rule of key-store backups — a restored backup never brings a forgotten customer back while the
// log or the key store is current.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/eventstore/personal"
)

// buildLedgerctl builds the ledgerctl binary into a temporary directory.
func buildLedgerctl(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	}
	bin := filepath.Join(t.TempDir(), "ledgerctl")
	build := exec.Command(goTool, "build", "-o", bin, "../ledgerctl")
	var out bytes.Buffer
	build.Stdout, build.Stderr = &out, &out
	if err := build.Run(); err != nil {
		t.Fatalf("go build ./cmd/ledgerctl: %v\n%s", err, out.String())
	}
	return bin
}

// ledgerctl runs the binary with args and no LEDGERD_ environment; it fails the test unless the
// exit status is 0, and returns stdout.
func ledgerctl(t *testing.T, bin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "LEDGERD_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("ledgerctl %s: %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

// copyFile copies src to dst.
func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// restoreDir makes a data directory of a log and a key store (backups) with the secrets of dir.
func restoreDir(t *testing.T, dir, events, keys string) string {
	t.Helper()
	restored := t.TempDir()
	copyFile(t, events, filepath.Join(restored, "events.db"))
	copyFile(t, keys, filepath.Join(restored, "keys.db"))
	for _, f := range []string{"master.key", "reservation.key", "jwt-secret"} {
		copyFile(t, filepath.Join(dir, f), filepath.Join(restored, f))
	}
	return restored
}

// TestE2EBackupRestoreRotate: while ledgerd takes writes, ledgerctl backup copies the log and
// the key store consistently; the copies restore to a service that answers as the original did,
// and verify passes on them. Then the master key is rotated while ledgerd runs, and ledgerd
// starts with the new key alone.
func TestE2EBackupRestoreRotate(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs ledgerctl")
	}
	ctl := buildLedgerctl(t)
	s := startServer(t)
	for i := range 20 {
		s.createCustomer(t, s.token, newCustomer(fmt.Sprint(6000+i), fmt.Sprintf("Backup Person %d", i)))
	}
	// Writes go on during the backups.
	var stop atomic.Bool
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; !stop.Load(); i++ {
			r := s.do(t, http.MethodPatch, customersPath(demoLedger, fmt.Sprint(6000+i%20)), s.token, fmt.Sprintf(`{"emailAddress":"b%d@example.org"}`, i))
			if r.Status != http.StatusOK {
				t.Errorf("write during the backup: %s", r)
				return
			}
		}
	}()
	out := t.TempDir()
	summary := ledgerctl(t, ctl, "backup", "--data-dir", s.dir, "--out", filepath.Join(out, "events.db"), "--json")
	ledgerctl(t, ctl, "backup", "--data-dir", s.dir, "--keys", "--out", filepath.Join(out, "keys.db"))
	stop.Store(true)
	wg.Wait()
	var sum struct {
		Head   uint64
		Online bool
		Bytes  int64
	}
	if err := json.Unmarshal([]byte(summary), &sum); err != nil || !sum.Online || sum.Head < 20 || sum.Bytes == 0 {
		t.Fatalf("backup summary %s (%v)", summary, err)
	}
	// The copy is a log of exactly sum.Head events, each intact.
	copied, err := eventstore.Open(filepath.Join(out, "events.db"), eventstore.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := copied.Check(t.Context(), eventstore.CheckOptions{})
	head, _ := copied.Head(t.Context())
	copied.Close()
	if err != nil || !rep.OK() || head != sum.Head {
		t.Fatalf("the copy: head %d (summary %d), check %+v %v", head, sum.Head, rep, err)
	}
	if err := personal.CheckFile(filepath.Join(out, "keys.db")); err != nil {
		t.Fatal(err)
	}

	// Restored, the copies serve what the log held at the backup.
	restored := restoreDir(t, s.dir, filepath.Join(out, "events.db"), filepath.Join(out, "keys.db"))
	ledgerctl(t, ctl, "verify", "--data-dir", restored, "--projection", "none")
	r := &testServer{dir: restored, logs: &syncBuffer{}, client: s.client}
	r.start(t)
	for i := range 20 {
		got := r.do(t, http.MethodGet, customersPath(demoLedger, fmt.Sprint(6000+i)), r.token, nil)
		if got.Status != http.StatusOK || !strings.Contains(string(got.Body), fmt.Sprintf("Backup Person %d", i)) {
			t.Fatalf("restored customer %d: %s", 6000+i, got)
		}
	}
	r.stop(t)
	ledgerctl(t, ctl, "verify", "--data-dir", restored)

	// Rotation while ledgerd runs: a new key first in the file, the old one after it.
	newKey := strings.Fields(ledgerctl(t, ctl, "master-key", "new"))[0]
	keyFile := filepath.Join(s.dir, "master.key")
	old := strings.TrimSpace(string(mustRead(t, keyFile)))
	if err := os.WriteFile(keyFile, []byte(newKey+"\n"+old+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var rot personal.RotateReport
	if err := json.Unmarshal([]byte(ledgerctl(t, ctl, "master-key", "rotate", "--data-dir", s.dir, "--json")), &rot); err != nil {
		t.Fatal(err)
	}
	newID, _ := personal.MasterKeyID(newKey)
	if rot.Current != newID || rot.Rewrapped != 20 || rot.Keys != 20 {
		t.Fatalf("rotation report %+v, want 20 keys re-wrapped by %s", rot, newID)
	}
	// New customers are wrapped by the new key at once; the service never stopped.
	s.createCustomer(t, s.token, newCustomer("6100", "After Rotation"))
	// The old key can go: ledgerd starts with the new key alone and reads everyone.
	s.stop(t)
	if err := os.WriteFile(keyFile, []byte(newKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s.start(t)
	for _, no := range []string{"6000", "6019", "6100"} {
		expectStatus(t, s.do(t, http.MethodGet, customersPath(demoLedger, no), s.token, nil), http.StatusOK)
	}
}

// TestE2ERestoredBackupsDoNotResurrect: backups of the log and the key store are taken, then a
// customer is forgotten. Restoring the old log with the current key store, or the current log
// with the old key store, leaves the customer forgotten (the key store's tombstone; the log's
// CustomerForgotten, which ledgerd re-applies at start). Only both old together bring it back —
// the operating rule in docs/data-protection.md.
func TestE2ERestoredBackupsDoNotResurrect(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs ledgerctl")
	}
	ctl := buildLedgerctl(t)
	s := startServer(t)
	s.createCustomer(t, s.token, newCustomer("6200", "Resurrection Candidate"))
	s.createCustomer(t, s.token, newCustomer("6201", "Stays Around"))
	out := t.TempDir()
	ledgerctl(t, ctl, "backup", "--data-dir", s.dir, "--out", filepath.Join(out, "events-old.db"))
	ledgerctl(t, ctl, "backup", "--data-dir", s.dir, "--keys", "--out", filepath.Join(out, "keys-old.db"))
	expectStatus(t, s.do(t, http.MethodPost, customersPath(demoLedger, "6200", "forget"), s.token, nil), http.StatusNoContent)
	ledgerctl(t, ctl, "backup", "--data-dir", s.dir, "--out", filepath.Join(out, "events-new.db"))
	ledgerctl(t, ctl, "backup", "--data-dir", s.dir, "--keys", "--out", filepath.Join(out, "keys-new.db"))
	s.stop(t)
	// The writer's own directory, with the forgotten customer, verifies, rebuilds and verifies.
	for _, args := range [][]string{{"verify"}, {"rebuild"}, {"verify"}} {
		if out := ledgerctl(t, ctl, append(args, "--data-dir", s.dir)...); args[0] == "verify" && !strings.Contains(out, "verify: ok") {
			t.Errorf("verify: %s", out)
		}
	}

	for _, tt := range []struct {
		name, events, keys string
		status             int
	}{
		{"old log, current key store", "events-old.db", "keys-new.db", http.StatusGone},
		{"current log, old key store", "events-new.db", "keys-old.db", http.StatusGone},
		{"old log, old key store (the rule: never restore both older than the last forget)", "events-old.db", "keys-old.db", http.StatusOK},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := restoreDir(t, s.dir, filepath.Join(out, tt.events), filepath.Join(out, tt.keys))
			r := &testServer{dir: dir, logs: &syncBuffer{}, client: s.client}
			r.start(t)
			defer r.stop(t)
			got := r.do(t, http.MethodGet, customersPath(demoLedger, "6200"), r.token, nil)
			if got.Status != tt.status {
				t.Errorf("forgotten customer: %s, want %d", got, tt.status)
			}
			if tt.status == http.StatusGone && strings.Contains(string(r.do(t, http.MethodGet, "/ledger/customer/v1/1000/events", r.token, nil).Body), "Resurrection") {
				t.Error("the audit trail shows the forgotten customer's name")
			}
			expectStatus(t, r.do(t, http.MethodGet, customersPath(demoLedger, "6201"), r.token, nil), http.StatusOK)
			if errs := errorLines(r.logs.String()); errs != "" {
				t.Errorf("errors logged: %s", errs)
			}
		})
	}
}
