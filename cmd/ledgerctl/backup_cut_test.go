package main

import (
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
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
