package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nordledger/ledger/eventstore/personal/disclosure"
	"github.com/nordledger/ledger/internal/datadir"
)

// copyDataDir copies the files of the data directory src into a new one.
func copyDataDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// damageFile damages the bbolt file at path: "empty" (a failed copy or restore), "truncated"
// (its meta pages kept: the trees lie beyond the end, where bbolt faults) or "page" (a leaf
// page's elements overwritten: bbolt panics on it). The clean-close marker goes, as with any
// copy.
func damageFile(t *testing.T, path, damage string) {
	t.Helper()
	os.Remove(path + ".clean")
	switch damage {
	case "empty":
		if err := os.Truncate(path, 0); err != nil {
			t.Fatal(err)
		}
	case "truncated":
		if err := os.Truncate(path, 8192); err != nil {
			t.Fatal(err)
		}
	case "page":
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
	default:
		t.Fatalf("unknown damage %q", damage)
	}
}

// TestToolsOnDamagedFiles: every command that opens the event log, the key store or the
// disclosure store, given one
// that is empty, truncated or has a damaged page, exits 1 with a message on stderr that names
// the file (verify: or its report, FAILED) — never a crash (bbolt panics on a damaged page and
// faults beyond the end of a truncated file), never "ok" — and leaves the damaged file as it
// was: compact made an empty log a valid empty file that ledgerd then started a new, empty
// ledger over, and an offline rotation made an empty key store a new one.
func TestToolsOnDamagedFiles(t *testing.T) {
	clean := newDataDir(t)
	sealedHistory(t, clean, 20, 40, "105")
	grants, err := disclosure.Open(filepath.Join(clean, datadir.Disclosures), disclosure.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		if _, err := grants.Grant("1000", "consumer-"+itoa(i), "ops", "", testTime); err != nil {
			t.Fatal(err)
		}
	}
	if err := grants.Close(); err != nil {
		t.Fatal(err)
	}
	commands := map[string][][]string{
		datadir.Events: {
			{"verify"}, {"rebuild"}, {"compact"}, {"backup", "--out", "@out"},
		},
		datadir.KeyStore: {
			{"verify"}, {"rebuild"}, {"backup", "--keys", "--out", "@out"}, {"master-key", "rotate"},
		},
		datadir.Disclosures: {
			{"backup", "--disclosures", "--out", "@out"}, {"consumer", "list"}, {"consumer", "grant", "--ledger", "1000", "--consumer", "crm"},
		},
	}
	for _, file := range []string{datadir.Events, datadir.KeyStore, datadir.Disclosures} {
		for _, damage := range []string{"empty", "truncated", "page"} {
			for _, args := range commands[file] {
				name := file + "/" + damage + "/" + strings.Join(args[:min(2, len(args))], " ")
				t.Run(name, func(t *testing.T) {
					dir := copyDataDir(t, clean)
					path := filepath.Join(dir, file)
					damageFile(t, path, damage)
					damaged, err := os.ReadFile(path)
					if err != nil {
						t.Fatal(err)
					}
					out := filepath.Join(t.TempDir(), "backup.db")
					argv := []string{}
					for _, a := range args {
						argv = append(argv, strings.Replace(a, "@out", out, 1))
					}
					argv = append(argv, "--data-dir", dir)
					stdout, stderr, code := runCLI(t, nil, argv...)
					if code != exitFailure {
						t.Errorf("exit code %d, want %d\nstdout: %s\nstderr: %s", code, exitFailure, stdout, stderr)
					}
					reported := strings.HasPrefix(stderr, "ledgerctl "+args[0]+": ")
					if args[0] == "verify" { // its report, or the key store it cannot open
						reported = reported || strings.Contains(stdout, "verify: FAILED\n")
					}
					if !reported {
						t.Errorf("stderr %q, want it to begin with \"ledgerctl %s: \"", stderr, args[0])
					}
					if !strings.Contains(stdout+stderr, path) {
						t.Errorf("the output does not name the damaged file %s:\nstdout: %s\nstderr: %s", path, stdout, stderr)
					}
					if after, _ := os.ReadFile(path); !bytes.Equal(after, damaged) {
						t.Errorf("%s changed the damaged %s", args[0], file)
					}
					if _, err := os.Stat(out); err == nil {
						t.Error("a backup was written of a damaged file")
					}
				})
			}
		}
	}
}

// TestToolsRefuseADirectoryWithoutTheStore: an offline master-key rotation or consumer grant on a
// directory without the writer's store — a reader's data directory, a mistyped --data-dir —
// exits 1 and creates nothing. A rotation reported "all 0 keys wrapped by the new master key" on
// a new, empty key store told the operator to remove the old key the writer's keys still need.
func TestToolsRefuseADirectoryWithoutTheStore(t *testing.T) {
	key := strings.Fields(func() string {
		stdout, _, code := runCLI(t, nil, "master-key", "new")
		if code != exitOK {
			t.Fatalf("master-key new: exit %d", code)
		}
		return stdout
	}())[0]
	for _, args := range [][]string{
		{"master-key", "rotate"},
		{"consumer", "grant", "--ledger", "1000", "--consumer", "crm-sync"},
		{"consumer", "revoke", "--ledger", "1000", "--consumer", "crm-sync"},
	} {
		t.Run(strings.Join(args[:2], " "), func(t *testing.T) {
			dir := newDataDir(t) // a reader's: the national-identifier key, no stores
			stdout, stderr, code := runCLI(t, map[string]string{datadir.EnvMasterKey: key}, append(args, "--data-dir", dir)...)
			if code != exitFailure || !strings.HasPrefix(stderr, "ledgerctl "+args[0]+": ") {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, exitFailure, stdout, stderr)
			}
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				if e.Name() != datadir.ReservationKey {
					t.Errorf("%s created %s", args[0], e.Name())
				}
			}
		})
	}
}
