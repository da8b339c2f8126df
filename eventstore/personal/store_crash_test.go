package personal_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/eventstore/personal"
)

// crashDirEnv names the key store directory of TestDestroyCrashHelper's child process.
const crashDirEnv = "PERSONAL_TEST_CRASH_DIR"

// TestDestroyCrashHelper is the child process of TestDestroyCutShortByACrash: it destroys a key
// and is killed (SIGKILL, by itself) once the tombstone is committed, before the file is
// rewritten. Run alone it does nothing.
func TestDestroyCrashHelper(t *testing.T) {
	dir := os.Getenv(crashDirEnv)
	if dir == "" {
		t.Skip("the child process of TestDestroyCutShortByACrash")
	}
	s, err := personal.OpenStore(filepath.Join(dir, "keys.db"), ring(t, masterA), personal.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	personal.SetAfterTombstones(func() { syscall.Kill(os.Getpid(), syscall.SIGKILL) })
	err = s.Destroy(ctx, "1000/customers/7")
	t.Fatalf("Destroy returned (%v): the process was to be killed before the rewrite", err)
}

// TestDestroyCutShortByACrash: a process killed after a key's tombstone is committed and before
// the file is rewritten leaves the old record — the wrapped key — in a freed page of keys.db.
// The forget is not done as docs/data-protection.md defines it ("When Destroy returns, no copy of
// the keys is left in the file"; no key-store backup taken after a forget holds the key), so the
// next start, or the forget sent again, must rewrite the file: afterwards neither the file nor a
// backup holds the wrapped key.
func TestDestroyCutShortByACrash(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "keys.db")
	log, err := eventstore.Open(filepath.Join(dir, "events.db"), eventstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	s, err := personal.OpenStore(path, ring(t, masterA), personal.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		dataKey(t, s, fmt.Sprintf("1000/customers/%d", i), true)
	}
	gone, _, _ := s.Record("1000/customers/7")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	res, err := log.Append(ctx, eventstore.AppendRequest{Stream: "1000/customers/7", Events: []eventstore.EventData{{
		ID: uuid.New(), Type: domain.TypeCustomerForgotten, SchemaVersion: 1, Time: time.Now(), Data: []byte(`{}`)}}})
	if err != nil {
		t.Fatal(err)
	}

	// The forget's Destroy, killed between the tombstone and the rewrite.
	child := exec.Command(os.Args[0], "-test.run=^TestDestroyCrashHelper$", "-test.count=1")
	child.Env = append(os.Environ(), crashDirEnv+"="+dir)
	out, err := child.CombinedOutput()
	if ws, ok := child.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("the child did not die of SIGKILL: %v\n%s", err, out)
	}
	holds := func(b []byte) bool {
		return bytes.Contains(b, gone.Wrapped) || bytes.Contains(b, []byte(b64(gone.Wrapped)))
	}
	if !holds(readFile(t, path)) {
		t.Fatal("the test cannot find the wrapped key in the file after the crash: it proves nothing")
	}

	// A backup of the file as it is (ledgerctl backup --keys with no ledgerd running) is
	// refused: it would carry the key.
	ro, err := personal.OpenStore(path, nil, personal.StoreOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	var copied bytes.Buffer
	if _, err := ro.Backup(&copied); !errors.Is(err, personal.ErrRewriteDue) || holds(copied.Bytes()) {
		t.Errorf("an offline backup after the crash: %v (holds the key: %v); want ErrRewriteDue and no key", err, holds(copied.Bytes()))
	}
	ro.Close()

	// The writer starts again (Reconcile), and the client sends the forget again (Destroy).
	s, err = personal.OpenStore(path, ring(t, masterA), personal.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if rec, _, err := s.Record("1000/customers/7"); err != nil || !rec.Destroyed {
		t.Fatalf("after the crash the record is %+v (%v); want the tombstone committed before it", rec, err)
	}
	if _, err := s.Reconcile(ctx, log, res.LastPosition); err != nil {
		t.Fatal(err)
	}
	if err := s.Destroy(ctx, "1000/customers/7"); err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{"file": readFile(t, path), "backup": backup(t, s)} {
		if holds(b) {
			t.Errorf("the destroyed key is still in the key store's %s after a restart and the forget sent again", name)
		}
	}
	if _, err := s.DataKey(ctx, "1000/customers/7", false); !errors.Is(err, personal.ErrKeyDestroyed) {
		t.Errorf("destroyed: %v", err)
	}
	dataKey(t, s, "1000/customers/8", false)
}
