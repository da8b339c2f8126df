package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nordledger/ledger/internal/datadir"
)

// TestCompactNeverGrows: compacting the log never makes its file larger — not a log written by
// ledgerd, not a log restored from a backup (which has none of bbolt's headroom), not a log
// compacted already — and every event stays as it was.
func TestCompactNeverGrows(t *testing.T) {
	dir := newDataDir(t)
	head := history(t, dir, 40, 1200)
	events := filepath.Join(dir, datadir.Events)
	size := func() int64 {
		t.Helper()
		fi, err := os.Stat(events)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	compactOnce := func(what string) {
		t.Helper()
		before := size()
		stdout, stderr, code := runCLI(t, nil, "compact", "--data-dir", dir)
		if code != exitOK || !strings.Contains(stdout, "head "+itoa(int(head))) {
			t.Fatalf("%s: compact: exit %d\n%s\n%s", what, code, stdout, stderr)
		}
		t.Logf("%s: %s", what, strings.TrimSpace(stdout))
		if after := size(); after > before {
			t.Errorf("%s: compact grew the log from %d to %d bytes: %s", what, before, after, stdout)
		}
		if stdout, stderr, code := runCLI(t, nil, "verify", "--data-dir", dir, "--projection", "none"); code != exitOK || !strings.Contains(stdout, itoa(int(head))+" events, head "+itoa(int(head))) {
			t.Fatalf("%s: verify after compact: exit %d\n%s\n%s", what, code, stdout, stderr)
		}
	}
	compactOnce("a log as ledgerd wrote it")

	// Restored from a backup: the file holds its pages and nothing more.
	out := filepath.Join(t.TempDir(), "events.backup.db")
	if stdout, stderr, code := runCLI(t, nil, "backup", "--data-dir", dir, "--out", out); code != exitOK {
		t.Fatalf("backup: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if err := os.Rename(out, events); err != nil {
		t.Fatal(err)
	}
	compactOnce("a log restored from a backup")
	compactOnce("a log compacted already")

	// Copied in many transactions (as a log of more than 64 MiB is), the copy's last ones leave
	// a few pages free: it is then no smaller than a log compacted already, which is kept.
	defer func(n int64) { compactTxBytes = n }(compactTxBytes)
	compactTxBytes = 16 << 10
	compactOnce("a log compacted already, copied in many transactions")
}
