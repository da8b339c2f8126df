package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestE2EReaderKilledWhileApplying: a reader replica (the binary) killed with SIGKILL at random
// moments while it applies a stream that the writer keeps growing — customers created and
// changed, surpluses registered — resumes each time from its read models' checkpoint: in the
// end its read models equal a rebuild from the writer's log (no event applied twice: surplus
// balances, audit entries; none skipped), and its answers equal the writer's byte for byte.
func TestE2EReaderKilledWhileApplying(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the binary")
	}
	bin := buildLedgerd(t)
	ns := startExternalNATS(t, t.TempDir(), -1)
	const secret = "reader-crash-secret-0123456789abcdef01"
	token := mintWith(t, secret, "reader-crash")
	writerDir, readerDir := t.TempDir(), t.TempDir()
	writerRun := startBinary(t, bin, writerDir, "-nats-url", ns.ClientURL(), "-jwt-secret", secret)
	client := &http.Client{Timeout: 30 * time.Second}
	defer client.CloseIdleConnections()
	writer := &testServer{base: writerRun.base, client: client}

	// Writes: each worker creates customers and registers surpluses on them, one at a time.
	var mu sync.Mutex
	var nos []string
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				no := fmt.Sprint(10000 + 1000*w + i)
				post := func(path string, body any) {
					data, _ := json.Marshal(body)
					req, _ := http.NewRequestWithContext(ctx, http.MethodPost, writer.base+path, bytes.NewReader(data))
					req.Header.Set("Authorization", "Bearer "+token)
					req.Header.Set("Content-Type", "application/json")
					if resp, err := client.Do(req); err == nil {
						resp.Body.Close()
					}
				}
				post(customersPath(demoLedger), newCustomer(no, "Crash Reader"))
				for s := range 3 {
					post(customersPath(demoLedger, no, "surpluses"), map[string]any{"surplusId": fmt.Sprint("s", s), "balance": 10.25, "currency": "SEK"})
				}
				if ctx.Err() != nil {
					return // its writes may have been cut short
				}
				mu.Lock()
				nos = append(nos, no)
				mu.Unlock()
			}
		}()
	}

	readerArgs := []string{"-role", "reader", "-nats-url", ns.ClientURL(), "-reader-id", "crash-1",
		"-key-file", filepath.Join(writerDir, "reservation.key"), "-master-key-file", filepath.Join(writerDir, "master.key"), "-jwt-secret", secret}
	for range 8 {
		run := startReaderBinary(t, bin, readerDir, readerArgs...)
		run.logged(t, listeningAddr, "its HTTP address")
		time.Sleep(time.Duration(rand.IntN(300)) * time.Millisecond) // a random moment, not a wait for anything
		run.kill(t)
		time.Sleep(time.Duration(rand.IntN(500)) * time.Millisecond) // a backlog of random length for the next start
	}
	cancel()
	wg.Wait()

	run := startBinary(t, bin, readerDir, readerArgs...)
	reader := &testServer{base: run.base, client: client}
	head := writerHead(t, writer)
	await(t, fmt.Sprintf("the reader to reach the writer's head %d", head), func() (uint64, bool) {
		pos := readerPosition(t, reader)
		return pos, pos >= head
	})
	mu.Lock()
	paths := []string{"/ledger/customer/v1/1000/events?limit=1000"}
	for _, no := range nos {
		paths = append(paths, customersPath(demoLedger, no), customersPath(demoLedger, no, "surpluses"), customersPath(demoLedger, no, "events"))
	}
	mu.Unlock()
	converge(t, writer, []*testServer{reader}, token, paths)
	stopBinary(t, run)
	stopBinary(t, writerRun)
	t.Logf("%d customers, %d events; the reader killed 8 times", len(nos), head)
	if cp := compareReadModels(t, writerDir, readerDir, false); cp != head {
		t.Errorf("the reader's read models are at %d, the writer's log at %d", cp, head)
	}
}

// startReaderBinary runs the binary as startBinary does, without waiting for it to be ready.
func startReaderBinary(t *testing.T, bin, dataDir string, extra ...string) *binaryRun {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"-http-addr", "127.0.0.1:0", "-data-dir", dataDir}, extra...)...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "LEDGERD_") && !strings.HasPrefix(kv, "OTEL_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	run := &binaryRun{cmd: cmd, stderr: &syncBuffer{}}
	cmd.Stdout, cmd.Stderr = &syncBuffer{}, run.stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting ledgerd: %v", err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
		if t.Failed() {
			t.Logf("reader stderr:\n%s", run.stderr.String())
		}
	})
	return run
}

// readerPosition returns the position a reader's read models reached, from its /readyz.
func readerPosition(t *testing.T, r *testServer) uint64 {
	t.Helper()
	resp, err := r.client.Get(r.base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Position uint64 `json:"projectionsPosition"`
	}
	json.NewDecoder(resp.Body).Decode(&body)
	return body.Position
}
