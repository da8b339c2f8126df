package main

// The built binary: start it, read the development token it prints, create a customer, kill it
// with SIGKILL, start it again on the same data directory and find the customer; its embedded NATS
// holds every event exactly once.

import (
	"bytes"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// tokenAfterBanner returns the first non-empty line after the "Development token" line of
// ledgerd's stdout, once that line is complete.
func tokenAfterBanner(out string) string {
	_, rest, ok := strings.Cut(out, "Development token")
	if !ok {
		return ""
	}
	lines := strings.Split(rest, "\n")
	for i, l := range lines[1:] {
		if l = strings.TrimSpace(l); l != "" {
			if i+2 < len(lines) { // followed by a newline: complete
				return l
			}
			return ""
		}
	}
	return ""
}

// binaryRun is one run of the ledgerd binary.
type binaryRun struct {
	cmd    *exec.Cmd
	stderr *syncBuffer
	token  string
	base   string
}

// startBinary runs the binary on a free port with dataDir and the extra arguments, and waits until
// it is ready. Without a -jwt-secret among them it also waits for the development token.
func startBinary(t *testing.T, bin, dataDir string, extra ...string) *binaryRun {
	t.Helper()
	return startBinaryEnv(t, bin, dataDir, nil, extra...)
}

// startBinaryEnv is startBinary with the environment variables env (KEY=value) added to the
// test's own, less its LEDGERD_* and OTEL_* ones.
func startBinaryEnv(t *testing.T, bin, dataDir string, env []string, extra ...string) *binaryRun {
	t.Helper()
	// Port 0, and the address from ledgerd's log: a port found free beforehand can be taken by
	// another test before ledgerd binds it.
	args := append([]string{"-http-addr", "127.0.0.1:0", "-nats-listen", "127.0.0.1:0", "-data-dir", dataDir}, extra...)
	cmd := exec.Command(bin, args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "LEDGERD_") && !strings.HasPrefix(kv, "OTEL_") {
			env = append(env, kv)
		}
	}
	cmd.Env = env
	run := &binaryRun{cmd: cmd, stderr: &syncBuffer{}}
	stdout := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = stdout, run.stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting ledgerd: %v", err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
		if lines := logLinesWithRepeatedKeys(run.stderr.String()); len(lines) > 0 { // logkeys_test.go
			t.Errorf("log lines repeat a key:\n%s", strings.Join(lines, "\n"))
		}
		if t.Failed() {
			t.Logf("ledgerd stdout:\n%s\nledgerd stderr:\n%s", stdout.String(), run.stderr.String())
		}
	})
	run.base = "http://" + run.logged(t, listeningAddr, "its HTTP address")
	// The banner: "Development token (ledgers 1000, every scope, valid 24h):", a blank line, the token.
	if !slices.Contains(extra, "-jwt-secret") {
		run.token = await(t, "ledgerd to print a development token", func() (string, bool) {
			tok := tokenAfterBanner(stdout.String())
			return tok, tok != ""
		})
	}
	waitReady(t, &http.Client{Timeout: 10 * time.Second}, run.base)
	return run
}

// What ledgerd logs of its addresses (the text log format, its default).
var (
	listeningAddr = regexp.MustCompile(`msg="ledgerd listening" .*\baddr=(\S+)`)
	embeddedNATS  = regexp.MustCompile(`msg="embedded NATS server ready" .*\burl=(\S+)`)
)

// logged returns the first group of re in the run's log once a line matches (what names the
// wait; a line that never comes fails the test at its deadline, and the cleanup shows ledgerd's
// output).
func (b *binaryRun) logged(t *testing.T, re *regexp.Regexp, what string) string {
	t.Helper()
	return loggedIn(t, b.stderr, re, what)
}

// loggedIn returns the first group of re in log once a line matches.
func loggedIn(t *testing.T, log *syncBuffer, re *regexp.Regexp, what string) string {
	t.Helper()
	return loggedSince(t, log, 0, re, what)
}

// loggedSince is loggedIn over what log holds from byte from on (a restarted process's lines).
func loggedSince(t *testing.T, log *syncBuffer, from int, re *regexp.Regexp, what string) string {
	t.Helper()
	var m []string
	waitFor(t, "ledgerd to log "+what, func() bool {
		m = re.FindStringSubmatch(log.String()[from:])
		return m != nil
	})
	return m[1]
}

// natsURL returns the URL of the NATS server the run embeds.
func (b *binaryRun) natsURL(t *testing.T) string {
	t.Helper()
	return b.logged(t, embeddedNATS, "its embedded NATS server's URL")
}

func (b *binaryRun) kill(t *testing.T) {
	t.Helper()
	if err := b.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("SIGKILL: %v", err)
	}
	err := b.cmd.Wait()
	if ws, ok := b.cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Errorf("ledgerd did not die of SIGKILL: %v", err)
	}
}

// buildLedgerd returns the ledgerd binary, built once per test run (e2e_main_test.go).
func buildLedgerd(t *testing.T) string {
	t.Helper()
	return sharedBuild(t, "ledgerd", ".")
}

func TestE2EBinaryKillAndRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildLedgerd(t)
	dataDir := t.TempDir()
	first := startBinary(t, bin, dataDir)
	s := &testServer{base: first.base, client: &http.Client{Timeout: 30 * time.Second}}
	defer s.client.CloseIdleConnections()
	v := defaultVars(first.token, "consumer")
	r := s.sendDocRequest(t, "create-customer.http", v)
	expectStatus(t, r, http.StatusCreated)
	expectStatus(t, s.sendDocRequest(t, "post-billing-address.http", v), http.StatusCreated)
	before := s.sendDocRequest(t, "get-customer-expand.http", v)
	expectStatus(t, before, http.StatusOK)
	first.kill(t)

	second := startBinary(t, bin, dataDir)
	s.base = second.base
	for _, tok := range []string{second.token, first.token} { // the secret is kept in the data dir
		v := defaultVars(tok, "consumer")
		r = s.sendDocRequest(t, "find-customer.http", v)
		expectStatus(t, r, http.StatusOK)
		if got := r.object(t)["customerNo"]; got != "9999" {
			t.Errorf("find-customer after SIGKILL and restart: customerNo %v", got)
		}
		after := s.sendDocRequest(t, "get-customer-expand.http", v)
		expectStatus(t, after, http.StatusOK)
		if !bytes.Equal(before.Body, after.Body) {
			t.Errorf("the customer differs after SIGKILL and restart:\nbefore: %s\nafter:  %s", before.Body, after.Body)
		}
	}
	// It still takes writes, and a duplicate is still a duplicate.
	assertProblem(t, s.sendDocRequest(t, "create-customer.http", v), http.StatusConflict, "conflict")
	expectStatus(t, s.sendDocRequest(t, "patch-email-delete-msisdn.http", v), http.StatusOK, http.StatusNoContent)

	// The embedded NATS holds every event once, in log order: the relay resumed after SIGKILL.
	checkStream(t, second.natsURL(t), writerHead(t, s))

	// A clean stop (SIGTERM) exits 0.
	if err := second.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := second.cmd.Wait(); err != nil {
		t.Errorf("ledgerd after SIGTERM: %v; stderr:\n%s", err, second.stderr.String())
	}
}

// TestE2EBinaryExitsWhenEmbeddedNATSCannotStart: the embedded NATS starts in the background (the
// API does not wait for it), but one that cannot start — its store directory is a file — still
// ends ledgerd with exit status 1 and the reason, instead of a service that never publishes. (A
// port that is taken is found before ledgerd announces itself: TestE2ENATSPortTaken.)
func TestE2EBinaryExitsWhenEmbeddedNATSCannotStart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildLedgerd(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "nats"), []byte("not a directory"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-http-addr", "127.0.0.1:0", "-nats-listen", "127.0.0.1:0", "-data-dir", dir)
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var err error
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	wait, cancel := waitContext(t)
	defer cancel()
	select {
	case err = <-done:
	case <-wait.Done():
		cmd.Process.Kill()
		<-done
		t.Fatalf("ledgerd still running at the test's deadline although its embedded NATS cannot start; stderr:\n%s", stderr.String())
	}
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("exit: %v, want status 1; stderr:\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "embedded NATS") {
		t.Errorf("stderr does not name the embedded NATS:\n%s", stderr.String())
	}
}
