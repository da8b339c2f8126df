package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBackupCopyNeverReplaces: a backup's checked copy does not replace a file that appeared at
// --out while it ran (another backup to the same name): the backup fails and the other's file
// stays as it was. It checked only at its start, and renamed over whatever was there at its end.
func TestBackupCopyNeverReplaces(t *testing.T) {
	dir := t.TempDir()
	out, tmp := filepath.Join(dir, "events.db"), filepath.Join(dir, "events.db.part-1")
	if err := os.WriteFile(out, []byte("the other backup"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tmp, []byte("this backup"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := publishCopy(tmp, out)
	if err == nil || !strings.Contains(err.Error(), "exists") {
		t.Fatalf("publishCopy over an existing file: %v; want an error saying it exists", err)
	}
	if got, _ := os.ReadFile(out); string(got) != "the other backup" {
		t.Fatalf("--out now holds %q: the other backup was replaced", got)
	}
	// Nothing there: the copy is put in place, and the temporary name is gone.
	if err := os.Remove(out); err != nil {
		t.Fatal(err)
	}
	if err := publishCopy(tmp, out); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(out); string(got) != "this backup" {
		t.Fatalf("--out holds %q", got)
	}
	if _, err := os.Stat(tmp); !os.IsNotExist(err) {
		t.Fatalf("the temporary copy is still there: %v", err)
	}
}
