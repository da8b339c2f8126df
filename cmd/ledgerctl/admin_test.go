package main

import (
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestAdminSocketUnanswered: a ledgerd that accepts on its admin socket but does not answer — a
// stopped (SIGSTOP) or hung process, whose connections the kernel accepts all the same — makes
// backup and consumer exit 1 saying so once the answer is overdue, instead of waiting for ever,
// and backup writes no file.
func TestAdminSocketUnanswered(t *testing.T) {
	defer func(d time.Duration) { adminAnswerWithin = d }(adminAnswerWithin)
	adminAnswerWithin = 200 * time.Millisecond
	dir := t.TempDir()
	sock := filepath.Join(dir, "admin.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	defer l.Close()
	wg.Add(1)
	go func() { // reads every request, answers none
		defer wg.Done()
		var conns sync.WaitGroup
		defer conns.Wait()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			go func() { defer conns.Done(); io.Copy(io.Discard, c); c.Close() }()
		}
	}()
	out := filepath.Join(t.TempDir(), "events.db")
	for _, args := range [][]string{
		{"backup", "--out", out},
		{"consumer", "list"},
		{"consumer", "grant", "--ledger", "1000", "--consumer", "crm"},
	} {
		stdout, stderr, code := runCLI(t, nil, append(args, "--data-dir", dir, "--socket", sock)...)
		if code != exitFailure || !strings.Contains(stderr, "did not answer within") {
			t.Errorf("%s against an unanswering ledgerd: exit %d\nstdout: %s\nstderr: %s", args[0], code, stdout, stderr)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("backup wrote a file")
	}
	entries, _ := os.ReadDir(filepath.Dir(out))
	if len(entries) != 0 {
		t.Errorf("backup left %v", entries)
	}
}
