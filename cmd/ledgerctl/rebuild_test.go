package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/internal/datadir"
	"github.com/nordledger/ledger/projections"
)

// dirFiles lists the names in dir.
func dirFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	all := map[string]bool{}
	for _, e := range entries {
		all[e.Name()] = true
	}
	for _, e := range entries {
		// A bbolt file's clean-close marker (boltcheck.MarkClean) is listed with its file, and
		// must not outlive it.
		if base, ok := strings.CutSuffix(e.Name(), ".clean"); ok {
			if !all[base] {
				t.Errorf("%s is left without its file", e.Name())
			}
			continue
		}
		names = append(names, e.Name())
	}
	return names
}

// TestRebuildEqualsLedgerd: rebuild replaces projections.db with a file equal to the one ledgerd's
// runner built, national-identifier index included, and leaves no temporary file.
func TestRebuildEqualsLedgerd(t *testing.T) {
	dir := newDataDir(t)
	const customers = 12
	head := history(t, dir, customers, 60)
	ledgerdProjections(t, dir)
	wantStates, wantFound := readModel(t, dir, customers)
	for i, no := range wantFound {
		if no != itoa(100+i) {
			t.Fatalf("ledgerd's model finds %q for customer %d's identifier", no, 100+i)
		}
	}
	// Damage the read model: the rebuild must not depend on it.
	if err := os.WriteFile(filepath.Join(dir, datadir.Projections), []byte("not a bbolt file"), 0o600); err != nil {
		t.Fatal(err)
	}

	stdout, stderr, code := runCLI(t, nil, "rebuild", "--data-dir", dir)
	if code != exitOK {
		t.Fatalf("exit code = %d; stderr %q", code, stderr)
	}
	if want := "rebuilt [customers audit] from " + itoa(int(head)) + " events"; !strings.Contains(stdout, want) {
		t.Errorf("stdout = %q, want %q", stdout, want)
	}
	for _, want := range []string{"rebuild all: " + itoa(int(head)) + " events", "is unreadable"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr = %q, want %q", stderr, want)
		}
	}
	states, found := readModel(t, dir, customers)
	if !reflect.DeepEqual(states, wantStates) || !slices.Equal(found, wantFound) {
		t.Error("the rebuilt read model differs from ledgerd's")
	}
	if got, want := dirFiles(t, dir), []string{datadir.Events, datadir.Projections, datadir.ReservationKey}; !slices.Equal(got, want) {
		t.Errorf("data dir holds %q, want %q", got, want)
	}

	// One projection, JSON summary.
	stdout, stderr, code = runCLI(t, nil, "rebuild", "--data-dir", dir, "--projection", "customers", "--json")
	if code != exitOK {
		t.Fatalf("exit code = %d; stderr %q", code, stderr)
	}
	var sum rebuildSummary
	if err := json.Unmarshal([]byte(stdout), &sum); err != nil {
		t.Fatalf("stdout %q: %v", stdout, err)
	}
	if sum.Events != head || !slices.Equal(sum.Projections, []string{"customers"}) || sum.File != filepath.Join(dir, datadir.Projections) || sum.Kept == nil {
		t.Errorf("summary = %+v", sum)
	}
	if states, _ := readModel(t, dir, customers); !reflect.DeepEqual(states, wantStates) {
		t.Error("the read model rebuilt by name differs from ledgerd's")
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// TestRebuildRefusesFilesInUse: a running ledgerd holds the event log (a writer) or the
// projections file (a reader replica); rebuild says so and changes nothing.
func TestRebuildRefusesFilesInUse(t *testing.T) {
	dir := newDataDir(t)
	history(t, dir, 2, 2)
	ledgerdProjections(t, dir)
	before, err := os.ReadFile(filepath.Join(dir, datadir.Projections))
	if err != nil {
		t.Fatal(err)
	}

	store, err := eventstore.Open(filepath.Join(dir, datadir.Events), eventstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, stderr, code := runCLI(t, nil, "rebuild", "--data-dir", dir, "--wait", "50ms")
	store.Close()
	if code != exitFailure || !strings.Contains(stderr, filepath.Join(dir, datadir.Events)+" is in use by another process (a running ledgerd?): stop ledgerd first") {
		t.Errorf("with the log held: exit code %d, stderr %q", code, stderr)
	}

	db, err := projections.OpenDB(filepath.Join(dir, datadir.Projections))
	if err != nil {
		t.Fatal(err)
	}
	_, stderr, code = runCLI(t, nil, "rebuild", "--data-dir", dir, "--wait", "50ms")
	db.Close()
	if code != exitFailure || !strings.Contains(stderr, filepath.Join(dir, datadir.Projections)+" is in use by another process") {
		t.Errorf("with the projections held: exit code %d, stderr %q", code, stderr)
	}
	after, err := os.ReadFile(filepath.Join(dir, datadir.Projections))
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) || !slices.Contains(dirFiles(t, dir), datadir.Projections) || len(dirFiles(t, dir)) != 3 {
		t.Errorf("the data dir changed: %q", dirFiles(t, dir))
	}
}

func TestRebuildFails(t *testing.T) {
	empty := newDataDir(t)
	noKey := t.TempDir()
	history(t, noKey, 1, 0)
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStderr string
	}{
		{"no event log", []string{"--data-dir", empty}, exitFailure, "no event log at " + filepath.Join(empty, datadir.Events)},
		{"no key", []string{"--data-dir", noKey}, exitFailure, "reading the national-identifier key"},
		{"unknown projection", []string{"--data-dir", empty, "--projection", "orders"}, exitUsage, `no projection named "orders" (known: customers, audit, or all)`},
		{"stray argument", []string{"--data-dir", empty, "now"}, exitUsage, `unexpected argument "now"`},
		// bbolt takes a negative timeout as "do not wait": a typo that made a command refuse a
		// file it would have waited a moment for.
		{"negative wait", []string{"--data-dir", empty, "--wait", "-1s"}, exitUsage, `--wait -1s is negative`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := runCLI(t, nil, append([]string{"rebuild"}, tt.args...)...)
			if code != tt.wantCode {
				t.Errorf("exit code = %d, want %d; stderr %q", code, tt.wantCode, stderr)
			}
			checkOutput(t, "stdout", stdout, "")
			checkOutput(t, "stderr", stderr, tt.wantStderr)
		})
	}
	if _, err := os.Stat(filepath.Join(empty, datadir.Events)); err == nil {
		t.Error("rebuild created an event log")
	}
}

func TestRebuildDataDirFromEnvironment(t *testing.T) {
	dir := newDataDir(t)
	history(t, dir, 1, 1)
	_, stderr, code := runCLI(t, map[string]string{datadir.EnvDataDir: dir}, "rebuild")
	if code != exitOK {
		t.Fatalf("exit code = %d; stderr %q", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, datadir.Projections)); err != nil {
		t.Error(err)
	}
}
