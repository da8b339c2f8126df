package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nordledger/ledger/internal/admin"
	"github.com/nordledger/ledger/internal/datadir"
)

// TestE2EKeyBackupRefusedWhileARewriteIsDue: a forget whose key store could not be rewritten
// after its tombstone (here the rewrite's temporary file cannot be made) leaves the wrapped key
// in a freed page of keys.db, and ledgerd refuses to copy that file. The refusal is an answer
// that says so — a 503 naming the unfinished rewrite and what finishes it — not a connection cut
// without an answer, which ledgerctl reports as a backup stream that broke off (as a crash of
// ledgerd would be). Once the forget is sent again and the file rewritten, the backup is taken.
func TestE2EKeyBackupRefusedWhileARewriteIsDue(t *testing.T) {
	s := startServer(t, withExpectedErrors("a forgotten customer's data key could not be destroyed",
		"route=/ledger/customer/v1/{ledgerNo}/customers/{customerNo}/forget status=503"))
	const no = "7901"
	s.createCustomer(t, s.token, newCustomer(no, "Rewrite Due"))
	d := datadir.Dir{Path: s.dir}
	blocker := d.KeyStorePath() + ".compact"
	if err := os.MkdirAll(filepath.Join(blocker, "in-the-way"), 0o700); err != nil {
		t.Fatal(err)
	}
	r := s.doAllowing5xx(t, http.MethodPost, customersPath(demoLedger, no, "forget"), s.token, nil)
	if r.Status != http.StatusServiceUnavailable {
		t.Fatalf("the forget whose rewrite failed: %d %s; want 503 (the key not destroyed yet)", r.Status, r.Body)
	}

	client, err := admin.Dial(context.Background(), d.AdminSocketPath())
	if err != nil || client == nil {
		t.Fatalf("the admin socket: %v", err)
	}
	backup := func() (int, string) {
		t.Helper()
		resp, err := client.Get(admin.URL(admin.BackupKeys))
		if err != nil {
			t.Fatalf("GET %s: %v; want an answer", admin.BackupKeys, err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return resp.StatusCode, admin.ReadError(resp)
		}
		n, err := io.Copy(io.Discard, resp.Body)
		if err != nil || n == 0 {
			t.Fatalf("the backup: %d bytes, %v", n, err)
		}
		return resp.StatusCode, ""
	}
	if code, msg := backup(); code != http.StatusServiceUnavailable || !strings.Contains(msg, "send the forget again") {
		t.Errorf("the key-store backup while its rewrite is due: %d %q; want 503 naming the unfinished rewrite", code, msg)
	}

	if err := os.RemoveAll(blocker); err != nil {
		t.Fatal(err)
	}
	r = s.doAllowing5xx(t, http.MethodPost, customersPath(demoLedger, no, "forget"), s.token, nil)
	if r.Status != http.StatusNoContent && r.Status != http.StatusGone {
		t.Fatalf("the forget sent again: %d %s", r.Status, r.Body)
	}
	if code, msg := backup(); code != http.StatusOK {
		t.Errorf("the key-store backup after the rewrite: %d %q", code, msg)
	}
}
