package main

import (
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/nordledger/ledger/internal/admin"
)

// TestBackupCutOff: a backup whose stream ledgerd cut off part way — it cuts a backup whose
// reader took nothing for its -backup-stall-timeout (ledgerctl stopped, its disk or pipe stuck),
// or it stopped — exits 1 saying what may have cut it and where to look, and leaves no file,
// not even a partial one.
func TestBackupCutOff(t *testing.T) {
	dir := t.TempDir()
	sock := filepath.Join(dir, "admin.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+admin.BackupEvents, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(make([]byte, 64<<10)) // part of a copy, as ledgerd's cut leaves it
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler)
	})
	srv := &http.Server{Handler: mux}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	defer func() {
		srv.Close()
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			t.Error(err)
		}
	}()

	outDir := t.TempDir()
	out := filepath.Join(outDir, "events.db")
	stdout, stderr, code := runCLI(t, nil, "backup", "--out", out, "--data-dir", dir, "--socket", sock)
	if code != exitFailure || !strings.Contains(stderr, "the backup stream broke off") || !strings.Contains(stderr, "-backup-stall-timeout") {
		t.Errorf("a backup cut off: exit %d\nstdout: %s\nstderr: %s\nwant exit 1 naming the stall bound and ledgerd's log", code, stdout, stderr)
	}
	if entries, _ := os.ReadDir(outDir); len(entries) != 0 {
		t.Errorf("a backup cut off left %v", entries)
	}
}

// failingWriter fails every write, as a full disk does.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, syscall.ENOSPC }

// TestBackupOutputFails: a backup whose output cannot be written (its disk is full) says so — it
// said the stream broke off and blamed ledgerd's stall bound.
func TestBackupOutputFails(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "admin.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+admin.BackupEvents, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(make([]byte, 64<<10))
	})
	srv := &http.Server{Handler: mux}
	go srv.Serve(l)
	defer srv.Close()
	client, err := admin.Dial(t.Context(), sock)
	if err != nil {
		t.Fatal(err)
	}
	_, err = backupOnline(t.Context(), client, "events", failingWriter{})
	if !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), "writing the backup failed") || strings.Contains(err.Error(), "broke off") {
		t.Errorf("backup to a full disk: %v; want it named a failed write (ENOSPC), not a stream cut off", err)
	}
}
