package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/internal/datadir"
	"github.com/nordledger/ledger/projections"
	bolt "go.etcd.io/bbolt"
)

// verifyJSON runs verify --json and decodes its report.
func verifyJSON(t *testing.T, dir string, args ...string) (verifyReport, int) {
	t.Helper()
	stdout, stderr, code := runCLI(t, nil, append([]string{"verify", "--data-dir", dir, "--json"}, args...)...)
	var r verifyReport
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatalf("stdout %q is not the report: %v; stderr %q", stdout, err, stderr)
	}
	return r, code
}

func wantContains(t *testing.T, name, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("%s = %q, want it to contain %q", name, got, w)
		}
	}
}

func TestVerifyCleanDataDir(t *testing.T) {
	dir := newDataDir(t)
	head := history(t, dir, 8, 40)
	ledgerdProjections(t, dir)

	stdout, stderr, code := runCLI(t, nil, "verify", "--data-dir", dir)
	if code != exitOK {
		t.Fatalf("exit code = %d; stdout %q; stderr %q", code, stdout, stderr)
	}
	wantContains(t, "stdout", stdout, "event log "+filepath.Join(dir, datadir.Events)+": "+itoa(int(head))+" events, head "+itoa(int(head))+", 12 streams, 8 unique keys\n  ok\n",
		"projection customers: ok (checkpoint "+itoa(int(head))+", version "+itoa(int((*projections.Customers)(nil).Version()))+")\n", "verify: ok\n")
	wantContains(t, "stderr", stderr, "verify log: "+itoa(int(head))+" events", "rebuild customers: ")

	r, code := verifyJSON(t, dir)
	if code != exitOK || !r.OK || r.Log.Events != head || r.Log.ProblemCount != 0 || len(r.Projections) != 2 || r.Projections[0].Status != statusOK || r.Projections[1].Status != statusOK {
		t.Errorf("exit code %d, report %+v", code, r)
	}
	if got := dirFiles(t, dir); len(got) != 3 {
		t.Errorf("verify left files behind: %q", got)
	}
}

// TestVerifyFlippedByte: one flipped byte in an event's data in events.db is found by its CRC.
func TestVerifyFlippedByte(t *testing.T) {
	dir := newDataDir(t)
	history(t, dir, 4, 20)
	ledgerdProjections(t, dir)
	path := filepath.Join(dir, datadir.Events)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// The e-mail of change 4 ("c4@example.com"); bbolt may keep stale copies in free pages, so
	// flip every copy.
	marker := []byte(`"c4@example.com"`)
	if bytes.Count(raw, marker) == 0 {
		t.Fatal("the event is not in the file")
	}
	for i := bytes.Index(raw, marker); i >= 0; i = bytes.Index(raw, marker) {
		raw[i+2] ^= 0x01 // c → b
	}
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}

	stdout, _, code := runCLI(t, nil, "verify", "--data-dir", dir)
	if code != exitFailure {
		t.Errorf("exit code = %d, want %d", code, exitFailure)
	}
	wantContains(t, "stdout", stdout, "corrupt at position ", ": checksum mismatch\n", "projection customers: skipped\n  not compared: the log has problems\n", "verify: FAILED\n")

	r, code := verifyJSON(t, dir)
	// The unreadable event also leaves its stream's next version without its predecessor.
	if code != exitFailure || r.OK || r.Log.ProblemCount == 0 || r.Log.Problems[0].Kind != eventstore.ProblemCorrupt {
		t.Errorf("exit code %d, report %+v", code, r)
	}
}

// TestVerifyUndecodableData: an event whose data does not decode for its type is a problem.
func TestVerifyUndecodableData(t *testing.T) {
	dir := newDataDir(t)
	history(t, dir, 2, 0)
	store := openTestLog(t, dir)
	_, err := store.Append(context.Background(), eventstore.AppendRequest{Stream: "1000/customers/100", Events: []eventstore.EventData{{
		ID: uuid.Must(uuid.NewV7()), Type: "CustomerDetailsChanged", SchemaVersion: 1, Time: testTime, Data: []byte(`{"set": 5}`)}}})
	store.Close()
	if err != nil {
		t.Fatal(err)
	}
	stdout, _, code := runCLI(t, nil, "verify", "--data-dir", dir, "--projection", "none")
	if code != exitFailure {
		t.Errorf("exit code = %d, want %d", code, exitFailure)
	}
	wantContains(t, "stdout", stdout, "data at position 3 (stream 1000/customers/100): domain: decoding CustomerDetailsChanged")
}

// TestVerifyProjectionDiffers: a read model that differs from a rebuild is reported key by key.
func TestVerifyProjectionDiffers(t *testing.T) {
	dir := newDataDir(t)
	history(t, dir, 5, 20)
	ledgerdProjections(t, dir)
	db, err := bolt.Open(filepath.Join(dir, datadir.Projections), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("customers"))
		v := bytes.Replace(b.Get([]byte("1000/102")), []byte("Customer 2"), []byte("Customer X"), 1)
		if err := b.Put([]byte("1000/102"), v); err != nil {
			return err
		}
		return b.Delete([]byte("1000/104"))
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}

	stdout, _, code := runCLI(t, nil, "verify", "--data-dir", dir)
	if code != exitFailure {
		t.Errorf("exit code = %d, want %d", code, exitFailure)
	}
	wantContains(t, "stdout", stdout, "event log", "  ok\n", ", 2 keys differ from a rebuild\n",
		"  customers 1000/102: values differ from byte ", "  customers 1000/104: missing", "verify: FAILED\n")
	if strings.Contains(stdout, "Customer") {
		t.Errorf("the report shows values: %q", stdout)
	}

	r, _ := verifyJSON(t, dir, "--max-problems", "1")
	if p := r.Projections[0]; r.OK || p.Status != statusDiffers || p.DifferenceCount != 2 || len(p.Differences) != 1 || p.Differences[0].Key != "1000/102" {
		t.Errorf("report %+v", r)
	}
}

// firstLeafPage returns the id of the first leaf page of the bbolt file at path.
func firstLeafPage(t *testing.T, path string) int {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, PreLoadFreelist: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	leaf := 0
	err = db.View(func(tx *bolt.Tx) error {
		for id := 2; leaf == 0; id++ {
			p, err := tx.Page(id)
			if err != nil || p == nil {
				return fmt.Errorf("no leaf page: %v", err)
			}
			if p.Type == "leaf" {
				leaf = id
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return leaf
}

// TestVerifyDamagedPage: a page whose elements are overwritten — in the log or in the read
// models — is reported by its number and place, never as bbolt's "nil pointer dereference",
// and verify exits 1 instead of crashing.
func TestVerifyDamagedPage(t *testing.T) {
	for _, file := range []string{datadir.Events, datadir.Projections} {
		t.Run(file, func(t *testing.T) {
			dir := newDataDir(t)
			history(t, dir, 30, 300)
			ledgerdProjections(t, dir)
			path := filepath.Join(dir, file)
			leaf := firstLeafPage(t, path)
			f, err := os.OpenFile(path, os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			_, err = f.WriteAt(bytes.Repeat([]byte{0xFF}, 4096-16), int64(leaf)*4096+16) // the header stays
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			stdout, stderr, code := runCLI(t, nil, "verify", "--data-dir", dir)
			if code != exitFailure {
				t.Errorf("exit code = %d, want %d; stderr %q", code, exitFailure, stderr)
			}
			wantContains(t, "stdout", stdout, fmt.Sprintf("damaged page %d (byte %d), a leaf page of ", leaf, leaf*4096), "verify: FAILED\n")
			if strings.Contains(stdout+stderr, "runtime error") || strings.Contains(stdout+stderr, "nil pointer") {
				t.Errorf("the report speaks of bbolt's panic:\n%s\n%s", stdout, stderr)
			}
		})
	}
}

// TestVerifyReportSingular: the report counts one of a thing in the singular — "1 event",
// "1 stream", "1 unique key", "1 key differs".
func TestVerifyReportSingular(t *testing.T) {
	dir := newDataDir(t)
	history(t, dir, 1, 0)
	ledgerdProjections(t, dir)
	db, err := bolt.Open(filepath.Join(dir, datadir.Projections), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error { return tx.Bucket([]byte("customers")).Delete([]byte("1000/100")) })
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	stdout, _, code := runCLI(t, nil, "verify", "--data-dir", dir, "--max-problems", "1")
	if code != exitFailure {
		t.Errorf("exit code = %d, want %d", code, exitFailure)
	}
	wantContains(t, "stdout", stdout, ": 1 event, head 1, 1 stream, 1 unique key\n", ", 1 key differs from a rebuild\n")
}

// TestVerifyNotes: a projection missing or behind the log is reported but is no failure.
func TestVerifyNotes(t *testing.T) {
	dir := newDataDir(t)
	history(t, dir, 3, 6)
	r, code := verifyJSON(t, dir)
	if code != exitOK || r.Projections[0].Status != statusNotBuilt {
		t.Errorf("without projections.db: exit code %d, report %+v", code, r)
	}
	ledgerdProjections(t, dir)
	head := history(t, dir, 0, 0)
	more := manyEvents(t, dir, 3, 10, 5)
	r, code = verifyJSON(t, dir)
	if p := r.Projections[0]; code != exitOK || p.Status != statusOK || p.Checkpoint != head || !strings.Contains(p.Detail, "behind the log") {
		t.Errorf("behind the log (head %d): exit code %d, report %+v", more, code, r)
	}
}

func TestVerifyFails(t *testing.T) {
	dir := newDataDir(t)
	history(t, dir, 1, 0)
	store := openTestLog(t, dir)
	_, stderr, code := runCLI(t, nil, "verify", "--data-dir", dir, "--wait", "50ms")
	store.Close()
	if code != exitFailure || !strings.Contains(stderr, "is in use by another process (a running ledgerd?)") {
		t.Errorf("with the log held: exit code %d, stderr %q", code, stderr)
	}
	noKey := t.TempDir()
	history(t, noKey, 1, 0)
	if _, stderr, code := runCLI(t, nil, "verify", "--data-dir", noKey); code != exitFailure || !strings.Contains(stderr, "--projection none checks the log alone") {
		t.Errorf("without a key: exit code %d, stderr %q", code, stderr)
	}
	if _, _, code := runCLI(t, nil, "verify", "--data-dir", noKey, "--projection", "none"); code != exitOK {
		t.Errorf("without a key, the log alone: exit code %d", code)
	}
	if _, _, code := runCLI(t, nil, "verify", "--data-dir", dir, "--max-problems", "0"); code != exitUsage {
		t.Errorf("--max-problems 0: exit code %d", code)
	}
}

// TestRebuildAndVerify100k rebuilds and verifies a log of 100,000 events.
func TestRebuildAndVerify100k(t *testing.T) {
	if testing.Short() {
		t.Skip("100,000 events: not with -short")
	}
	dir := newDataDir(t)
	start := time.Now()
	history(t, dir, 100, 0)
	head := manyEvents(t, dir, 100, 100_000-100, 1000)
	if head != 100_000 {
		t.Fatalf("head %d", head)
	}
	t.Logf("writing the log: %v", time.Since(start).Round(time.Millisecond))

	start = time.Now()
	stdout, stderr, code := runCLI(t, nil, "rebuild", "--data-dir", dir, "--json")
	if code != exitOK {
		t.Fatalf("rebuild: exit code %d; stderr %q", code, stderr)
	}
	var sum rebuildSummary
	if err := json.Unmarshal([]byte(stdout), &sum); err != nil || sum.Events != head {
		t.Fatalf("rebuild summary %q: %v", stdout, err)
	}
	t.Logf("rebuild: %v (%.0f events/s)", time.Since(start).Round(time.Millisecond), sum.EventsPerSecond)

	start = time.Now()
	r, code := verifyJSON(t, dir)
	if code != exitOK || !r.OK || r.Log.Events != head || r.Projections[0].Status != statusOK {
		t.Fatalf("verify: exit code %d, report %+v", code, r)
	}
	t.Logf("verify: %v", time.Since(start).Round(time.Millisecond))

	db, err := projections.OpenReadOnly(filepath.Join(dir, datadir.Projections), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if st, _ := db.State(projections.CustomersName); st.Checkpoint != head {
		t.Errorf("checkpoint %d, want %d", st.Checkpoint, head)
	}
}
