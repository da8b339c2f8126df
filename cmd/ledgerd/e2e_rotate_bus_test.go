package main

// A master key rotation is done for the reader replicas only once the key bus holds the
// re-wrapped keys.

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nordledger/ledger/eventstore/personal"
)

// TestE2ERotationWaitsForTheKeyBus: readers unwrap the data keys the key bus carries, so after a
// rotation they need the old master key until the bus holds every re-wrapped key. With NATS
// down, ledgerctl master-key rotate re-wraps keys.db but exits 1 saying the key bus lacks the
// re-wrapped keys and the old key must stay — it used to report success, the docs' signal to
// remove the old key from every file, readers' included. With NATS back, the rotation run again
// succeeds, and the bus holds the customer's key wrapped by the new master key.
func TestE2ERotationWaitsForTheKeyBus(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs ledgerctl")
	}
	ctl := buildLedgerctl(t)
	natsDir := t.TempDir()
	ns := startExternalNATS(t, natsDir, -1)
	port := ns.Addr().(*net.TCPAddr).Port
	s := startServer(t, withArgs("-nats-url", ns.ClientURL()))
	for i := range 5 {
		s.createCustomer(t, s.token, newCustomer(fmt.Sprint(6400+i), "Key Bus Rotation"))
	}
	keyFile := filepath.Join(s.dir, "master.key")
	old := strings.TrimSpace(string(mustRead(t, keyFile)))
	rotate := func() (personal.RotateReport, string, int) { return rotateOnce(t, ctl, s.dir) }

	newKey, _ := personal.NewMasterKey()
	newID, _ := personal.MasterKeyID(newKey)
	if err := os.WriteFile(keyFile, []byte(newKey+"\n"+old+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ns.Shutdown()
	ns.WaitForShutdown()
	if _, stderr, code := rotate(); code != 1 || !strings.Contains(stderr, "not on the key bus yet") || !strings.Contains(stderr, "old master key") {
		t.Fatalf("rotation with NATS down: exit %d, stderr %q; want exit 1 saying the key bus lacks the keys", code, stderr)
	}
	rec, _, err := s.m.keys.Record("1000/customers/6400")
	if err != nil || rec.Master != newID {
		t.Fatalf("keys.db after the rotation with NATS down: %+v %v, want it wrapped by %s", rec, err, newID)
	}

	ns = startExternalNATS(t, natsDir, port)
	rep := rotateUntilPublished(t, ctl, s.dir)
	if rep.Current != newID || rep.Unpublished != 0 || rep.Keys != 5 {
		t.Errorf("the rotation with NATS back: %+v", rep)
	}
	if got := keyBusMaster(t, ns.ClientURL(), "1000/customers/6400"); got != newID {
		t.Errorf("the key bus holds the key wrapped by %q, want %s", got, newID)
	}
}

// keyBusMaster returns the id of the master key that wraps a customer's data key on the key bus.
func keyBusMaster(t *testing.T, url, subject string) string {
	t.Helper()
	js, closeJS := jetStreamAt(t, url)
	defer closeJS()
	ctx, cancel := waitContext(t)
	defer cancel()
	kv, err := js.KeyValue(ctx, "LEDGER_KEYS")
	if err != nil {
		t.Fatal(err)
	}
	entry, err := kv.Get(ctx, "k."+base64.RawURLEncoding.EncodeToString([]byte(subject)))
	if err != nil {
		t.Fatalf("key-bus entry of %s: %v", subject, err)
	}
	var e struct {
		Master string `json:"master"`
	}
	if err := json.Unmarshal(entry.Value(), &e); err != nil {
		t.Fatalf("key-bus entry %s: %v", entry.Value(), err)
	}
	return e.Master
}

// rotateOnce runs ledgerctl master-key rotate --json on dir and returns its report (exit status
// 0), its stderr and its exit status.
func rotateOnce(t *testing.T, ctl, dir string) (personal.RotateReport, string, int) {
	t.Helper()
	cmd := exec.Command(ctl, "master-key", "rotate", "--data-dir", dir, "--json")
	cmd.Env = withoutLedgerdEnv()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	var rep personal.RotateReport
	if code == 0 {
		if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
			t.Fatalf("rotate --json: %v\n%s", err, stdout.String())
		}
	}
	return rep, stderr.String(), code
}

// rotateUntilPublished runs the rotation until it succeeds: a ledgerd just started, or whose NATS
// just came back, may not have published every key on the key bus yet (ledgerctl then exits 1
// saying so); any other failure fails the test.
func rotateUntilPublished(t *testing.T, ctl, dir string) personal.RotateReport {
	t.Helper()
	var rep personal.RotateReport
	waitFor(t, "a rotation that finds the key bus holding every key", func() bool {
		r, stderr, code := rotateOnce(t, ctl, dir)
		if code != 0 && !strings.Contains(stderr, "not on the key bus yet") {
			t.Fatalf("rotation: exit %d, %s", code, stderr)
		}
		rep = r
		return code == 0
	})
	return rep
}

// TestE2ERotationWithKeysLedgerdHasNotRead: with the master keys in LEDGERD_MASTER_KEY, ledgerd
// reads them only at start (docs/data-protection.md). An operator who sets the new value in the
// shell and runs rotate without restarting ledgerd had ledgerd rotate to the key it already had,
// and was told success (exit 0) — the docs' signal to remove the old key. It exits 1 now, naming
// both keys and the restart to make.
func TestE2ERotationWithKeysLedgerdHasNotRead(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs ledgerctl")
	}
	ctl := buildLedgerctl(t)
	s := startServer(t)
	s.createCustomer(t, s.token, newCustomer("6700", "Environment Rotation"))
	old := strings.TrimSpace(string(mustRead(t, filepath.Join(s.dir, "master.key"))))
	oldRing, err := personal.ParseMasterKeys(old)
	if err != nil {
		t.Fatal(err)
	}
	newKey, _ := personal.NewMasterKey()
	newID, _ := personal.MasterKeyID(newKey)
	rotateWith := func(keys string) (string, int) {
		cmd := exec.Command(ctl, "master-key", "rotate", "--data-dir", s.dir)
		cmd.Env = append(withoutLedgerdEnv(), "LEDGERD_MASTER_KEY="+keys)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		if ee, ok := err.(*exec.ExitError); ok {
			return out.String(), ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return out.String(), 0
	}
	out, code := rotateWith(newKey + "\n" + old) // the new key first, the old after it
	if code != 1 || !strings.Contains(out, newID) || !strings.Contains(out, oldRing.Current()) || !strings.Contains(out, "restart") {
		t.Errorf("rotate with new keys ledgerd has not read: exit %d\n%s", code, out)
	}
	waitFor(t, "a rotation with ledgerd's own keys to succeed", func() bool {
		out, code := rotateWith(old)
		if code != 0 && !strings.Contains(out, "not on the key bus yet") {
			t.Fatalf("rotate with ledgerd's own keys: exit %d\n%s", code, out)
		}
		return code == 0
	})
}
