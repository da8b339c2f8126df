package main

import (
	"bytes"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// fullTmpfsScript copies the directory $2 onto a tmpfs of $3 bytes mounted on $1 (inside a user
// and mount namespace of its own: unshare -rm), fills the tmpfs up and runs $4 and on there.
const fullTmpfsScript = `data="$1"; src="$2"; size="$3"; shift 3
mount -t tmpfs -o size="$size" tmpfs "$data" || exit 97
cp -a "$src"/. "$data"/ || exit 98
cat /dev/zero > "$data/filler" 2>/dev/null
exec "$@"`

// runOnFullTmpfs copies src onto a full tmpfs of size bytes and runs name with args there; every
// "{data}" in args is the tmpfs's path. It returns the exit status, stdout and stderr.
func runOnFullTmpfs(t *testing.T, size int, src, name string, args ...string) (int, string, string) {
	t.Helper()
	unshare := unshareTool(t)
	data := t.TempDir()
	for i, a := range args {
		args[i] = strings.ReplaceAll(a, "{data}", data)
	}
	cmd := exec.Command(unshare, append([]string{"-rm", "sh", "-c", fullTmpfsScript, "sh", data, src, strconv.Itoa(size), name}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0, stdout.String(), stderr.String()
	case errors.As(err, &exit) && exit.ExitCode() < 97:
		return exit.ExitCode(), stdout.String(), stderr.String()
	}
	t.Fatalf("running %s on a full tmpfs: %v\n%s", name, err, stderr.String())
	return 0, "", ""
}

// TestE2EStopOnFullDisk: SIGTERM while the data directory's disk is full. The clean-close marker,
// the free-page lists' last commits and the read models' last events cannot be written, but they
// only spare the next start some work: ledgerd warns and exits 0 (it exited 1), and the log and
// the read models are whole (the read models up to their checkpoint).
// Then `ledgerctl verify` on a full disk: the log is checked; comparing the read models needs a
// temporary rebuild in the data directory, and verify says how much space that takes.
func TestE2EStopOnFullDisk(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binaries and mounts a tmpfs")
	}
	bin := buildLedgerd(t)
	const secret = "disk-test-secret-0123456789abcdef0123"
	r := startOnTmpfs(t, bin, tmpfsLayout{size: 16 << 20}, "-jwt-secret", secret)
	s := &testServer{base: r.base, client: &http.Client{Timeout: 60 * time.Second}}
	defer s.client.CloseIdleConnections()
	token := mintWith(t, secret, "disk-tester")
	for i := range 20 {
		expectStatus(t, s.do(t, http.MethodPost, customersPath(demoLedger), token, newCustomer(strconv.Itoa(500+i), "Disk Stopper")), http.StatusCreated)
	}
	fill(t, r.mount)

	if err := syscall.Kill(r.pid(), syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM: %v", err)
	}
	if err := r.cmd.Wait(); err != nil {
		t.Errorf("ledgerd stopped on a full disk: %v, want exit status 0", err)
	}
	stderr := r.stderr.String()
	if !strings.Contains(stderr, "level=WARN") || !strings.Contains(stderr, "cleanly closed") {
		t.Errorf("no warning that the files could not be marked cleanly closed:\n%s", stderr)
	}
	if errs := errorLines(stderr); errs != "" || strings.Contains(stderr, "ledgerd: shutdown") {
		t.Errorf("a stop on a full disk logged errors:\n%s", stderr)
	}
	out := filepath.Join(r.out, "data")
	if err := os.Remove(filepath.Join(out, "filler")); err != nil {
		t.Fatal(err)
	}
	head := checkLog(t, out)
	// The read models are whole up to their checkpoint; the last events they applied (written back
	// every 100 ms) may not be in the file, and then ledgerd said so: the next start applies them.
	if cp := compareProjections(t, out, false); cp > head || cp < head && !strings.Contains(stderr, "the next start applies them from the log") {
		t.Errorf("read models at %d after the stop, log head %d, and no warning that the rest is applied at the next start", cp, head)
	}

	// ledgerctl verify on a full disk.
	ctl := sharedBuild(t, "ledgerctl", "../ledgerctl")
	code, _, errOut := runOnFullTmpfs(t, 16<<20, out, ctl, "verify", "--data-dir", "{data}")
	needs := regexp.MustCompile(`needs up to [0-9.]+ [KM]iB \(what projections.db takes on disk\); [0-9.]+ (bytes|KiB) free now`)
	t.Logf("ledgerctl verify on a full disk: exit %d\n%s", code, errOut)
	if code != 1 || !strings.Contains(errOut, "no space left") || !needs.MatchString(errOut) || !strings.Contains(errOut, "--projection none") {
		t.Errorf("ledgerctl verify on a full disk: exit %d, stderr %q; want exit 1 saying how much space the rebuild needs (%s) and that --projection none checks the log alone", code, errOut, needs)
	}
	code, stdout, errOut := runOnFullTmpfs(t, 16<<20, out, ctl, "verify", "--data-dir", "{data}", "--projection", "none")
	if code != 0 || !strings.Contains(stdout, "ok") {
		t.Errorf("ledgerctl verify --projection none on a full disk: exit %d\n%s\n%s", code, stdout, errOut)
	}
}
