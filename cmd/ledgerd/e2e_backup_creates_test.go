package main

// A backup taken while customers are created: the log first, then the key store, as the docs
// say; restored, every customer acknowledged before the backup began reads, and none of the
// copy's events lacks its key.

import (
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// TestE2EBackupWhileCreating: workers create customers (each one's first event makes its data
// key) while ledgerctl backs up the log and then the key store over the admin socket. The
// restored pair starts a ledgerd that is ready (no event without its key: the read models would
// stop there) and serves every customer acknowledged before the log's backup began, with its
// name; ledgerctl verify, which opens every event of the copy, passes.
func TestE2EBackupWhileCreating(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs ledgerctl")
	}
	ctl := buildLedgerctl(t)
	s := startServer(t)
	var next atomic.Int64
	var mu sync.Mutex
	var acked []string // customers whose create was answered 201
	var stop atomic.Bool
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				no := fmt.Sprint(20000 + next.Add(1))
				r := s.do(t, http.MethodPost, customersPath(demoLedger), s.token, newCustomer(no, "Backup Create "+no))
				if r.Status != http.StatusCreated {
					t.Errorf("create during the backup: %s", r)
					return
				}
				mu.Lock()
				acked = append(acked, no)
				mu.Unlock()
			}
		}()
	}
	await(t, "20 creates before the backup", func() (int, bool) { mu.Lock(); defer mu.Unlock(); return len(acked), len(acked) >= 20 })
	mu.Lock()
	before := append([]string(nil), acked...) // acknowledged before the log's backup began
	mu.Unlock()
	out := t.TempDir()
	ledgerctl(t, ctl, "backup", "--data-dir", s.dir, "--out", filepath.Join(out, "events.db"))
	mu.Lock()
	between := len(acked)
	mu.Unlock()
	await(t, fmt.Sprintf("%d creates in all, 10 between the two backups", between+10), func() (int, bool) {
		mu.Lock()
		defer mu.Unlock()
		return len(acked), len(acked) >= between+10
	})
	ledgerctl(t, ctl, "backup", "--data-dir", s.dir, "--keys", "--out", filepath.Join(out, "keys.db"))
	stop.Store(true)
	wg.Wait()

	restored := restoreDir(t, s.dir, filepath.Join(out, "events.db"), filepath.Join(out, "keys.db"))
	if got := ledgerctl(t, ctl, "verify", "--data-dir", restored, "--projection", "none"); !strings.Contains(got, "verify: ok") {
		t.Fatalf("verify of the restored copy:\n%s", got)
	}
	r := &testServer{dir: restored, logs: &syncBuffer{}, client: s.client}
	r.start(t) // ready: the read models applied every event of the copy
	for _, no := range before {
		got := r.do(t, http.MethodGet, customersPath(demoLedger, no), r.token, nil)
		if got.Status != http.StatusOK || !strings.Contains(string(got.Body), "Backup Create "+no) {
			t.Errorf("restored customer %s: %s", no, got)
		}
	}
	r.stop(t)
	if got := ledgerctl(t, ctl, "verify", "--data-dir", restored); !strings.Contains(got, "verify: ok") {
		t.Errorf("verify of the restored data directory:\n%s", got)
	}
	t.Logf("%d customers acknowledged before the backup, %d in all", len(before), len(acked))
}
