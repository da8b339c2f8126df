package main

// Disk trouble: a full data directory, a damaged read-model file, a damaged event log.

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// tmpfsScript mounts a small tmpfs on the data directory $1 inside a private user and mount
// namespace (unshare -rm: no privileges needed), runs ledgerd ($6 and on) there and, once it has
// exited, copies the data directory to $2 so that the test can examine the files. With a
// directory $4, the read models (projections.db) live on a second tmpfs of their own there; with
// a size $5, the embedded NATS server's store ({data}/nats) lives on a tmpfs of that size. When
// ledgerd exits while a file $2/restart exists, the file is removed and ledgerd is started again
// on the same mounts (its pid is always in $2/pid).
const tmpfsScript = `data="$1"; out="$2"; size="$3"; proj="$4"; natssize="$5"; shift 5
mount -t tmpfs -o size="$size" tmpfs "$data" || exit 97
if [ -n "$proj" ]; then
  mount -t tmpfs -o size="$size" tmpfs "$proj" || exit 97
  ln -s "$proj/projections.db" "$data/projections.db" || exit 97
fi
if [ -n "$natssize" ]; then
  mkdir "$data/nats" && mount -t tmpfs -o size="$natssize" tmpfs "$data/nats" || exit 97
fi
while :; do
  "$@" &
  pid=$!
  echo "$pid" > "$out/pid"
  wait "$pid"; status=$?
  [ -e "$out/restart" ] || break
  rm -f "$out/restart"
done
mkdir -p "$out/data" && cp -a -L "$data"/. "$out/data"/ || exit 98
exit "$status"`

// tmpfsLayout says which tmpfs mounts ledgerd gets.
type tmpfsLayout struct {
	size       int  // the data directory's tmpfs, in bytes
	readModels bool // the read models on a tmpfs of their own, of the same size
	natsSize   int  // > 0: the embedded NATS store ({data}/nats) on a tmpfs of its own of this size
}

// tmpfsRun is ledgerd running on a tmpfs of its own.
type tmpfsRun struct {
	cmd    *exec.Cmd
	mount  string // the data directory, as seen from the test: /proc/<pid>/root/<data dir>
	data   string // the data directory, as seen inside the namespace
	proj   string // the read models' tmpfs, as seen from the test ("" when there is none)
	out    string // where the script copies the data directory after ledgerd exits
	base   string
	stderr *syncBuffer
	since  int // where the current run's lines begin in stderr (after a restart)
}

// startOnTmpfs runs the ledgerd binary with its data directory on tmpfs mounts as layout says. It
// skips the test when the kernel does not let an unprivileged process mount one (no user
// namespaces).
func startOnTmpfs(t *testing.T, bin string, layout tmpfsLayout, args ...string) *tmpfsRun {
	t.Helper()
	unshare := unshareTool(t)
	data, out, proj := t.TempDir(), t.TempDir(), ""
	if layout.readModels {
		proj = t.TempDir()
	}
	natsSize := ""
	if layout.natsSize > 0 {
		natsSize = strconv.Itoa(layout.natsSize)
	}
	// Port 0, and the address from ledgerd's log (as startBinary).
	cmdArgs := append([]string{"-rm", "sh", "-c", tmpfsScript, "sh", data, out, strconv.Itoa(layout.size), proj, natsSize, bin,
		"-http-addr", "127.0.0.1:0", "-nats-listen", "127.0.0.1:0", "-data-dir", data}, args...)
	r := &tmpfsRun{cmd: exec.Command(unshare, cmdArgs...), out: out, data: data, stderr: &syncBuffer{}}
	r.cmd.Stdout, r.cmd.Stderr = io.Discard, r.stderr
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r.mount = fmt.Sprintf("/proc/%d/root%s", r.cmd.Process.Pid, data)
	if proj != "" {
		r.proj = fmt.Sprintf("/proc/%d/root%s", r.cmd.Process.Pid, proj)
	}
	t.Cleanup(func() {
		if r.cmd.ProcessState == nil {
			r.cmd.Process.Kill()
			if pid := r.pid(); pid > 0 {
				syscall.Kill(pid, syscall.SIGKILL)
			}
			r.cmd.Wait()
		}
		if t.Failed() {
			t.Logf("ledgerd stderr:\n%s", r.stderr.String())
		}
	})
	r.base = "http://" + loggedIn(t, r.stderr, listeningAddr, "its HTTP address")
	waitReady(t, &http.Client{Timeout: 10 * time.Second}, r.base)
	return r
}

// unshareTool returns the path of unshare(1), or skips the test when it is missing or the kernel
// does not let an unprivileged process mount a tmpfs of its own (no user namespaces).
func unshareTool(t *testing.T) string {
	t.Helper()
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Skip("no unshare(1): cannot mount a tmpfs of the test's own")
	}
	if err := exec.Command(unshare, "-rm", "true").Run(); err != nil {
		t.Skipf("unshare -rm is not permitted here (%v): cannot mount a tmpfs of the test's own", err)
	}
	return unshare
}

// pid returns ledgerd's pid (0 while unknown).
func (r *tmpfsRun) pid() int {
	data, _ := os.ReadFile(filepath.Join(r.out, "pid"))
	pid, _ := strconv.Atoi(strings.TrimSpace(string(data)))
	return pid
}

// stop ends ledgerd with SIGTERM and returns the copy of its data directory.
func (r *tmpfsRun) stop(t *testing.T) string {
	t.Helper()
	if err := syscall.Kill(r.pid(), syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM: %v", err)
	}
	if err := r.cmd.Wait(); err != nil {
		t.Fatalf("ledgerd on tmpfs: %v\n%s", err, r.stderr.String())
	}
	return filepath.Join(r.out, "data")
}

// restart stops ledgerd with SIGTERM and starts it again on the same mounts, and waits until the
// new process serves.
func (r *tmpfsRun) restart(t *testing.T) {
	t.Helper()
	old := r.pid()
	if err := os.WriteFile(filepath.Join(r.out, "restart"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	r.since = len(r.stderr.String())
	if err := syscall.Kill(old, syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM: %v", err)
	}
	await(t, fmt.Sprintf("ledgerd to start again (a pid other than %d)", old), func() (int, bool) {
		pid := r.pid()
		return pid, pid > 0 && pid != old
	})
	r.base = "http://" + loggedSince(t, r.stderr, r.since, listeningAddr, "its HTTP address after the restart")
	waitReady(t, &http.Client{Timeout: 10 * time.Second}, r.base)
}

// natsURL returns the URL of the embedded NATS server of the current run (its port is kept when
// ledgerd restarts the server in the process).
func (r *tmpfsRun) natsURL(t *testing.T) string {
	t.Helper()
	return loggedSince(t, r.stderr, r.since, embeddedNATS, "its embedded NATS server's URL")
}

// remount gives the tmpfs at dir (a path inside the namespace, such as r.data+"/nats") a new
// size, from inside ledgerd's user and mount namespace (nsenter): the disk grows under the
// running process.
func (r *tmpfsRun) remount(t *testing.T, dir string, size int) {
	t.Helper()
	nsenter, err := exec.LookPath("nsenter")
	if err != nil {
		t.Skip("no nsenter(1): cannot grow the tmpfs")
	}
	cmd := exec.Command(nsenter, "-t", strconv.Itoa(r.pid()), "-U", "-m", "--preserve-credentials",
		"mount", "-o", "remount,size="+strconv.Itoa(size), dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("remounting %s: %v\n%s", dir, err, out)
	}
}

// fill writes a file into the tmpfs at dir until it is full and returns its path.
func fill(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := bytes.Repeat([]byte{0xA5}, 64<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("filling the tmpfs: %v", err)
			}
			return path
		}
	}
}

// TestE2EDiskFull: ledgerd's data directory is a 32 MiB tmpfs. Once it is full, writes are
// answered 503 — "unavailable" (with Retry-After) when the log could not be written, "timeout"
// when the log could but the read models could not — or still succeed while the files find room
// in pages they already have; nothing is a 500 and nothing is half-written. When space returns,
// the read models catch up and writes succeed again without a restart. After a clean stop the log
// passes its full check, holds every write answered 2xx once and none answered 503 unavailable,
// and the read models equal a rebuild.
func TestE2EDiskFull(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and mounts a tmpfs")
	}
	bin := buildLedgerd(t)
	const secret = "disk-test-secret-0123456789abcdef0123"
	r := startOnTmpfs(t, bin, tmpfsLayout{size: 32 << 20}, "-jwt-secret", secret, "-read-model-wait", "1s")
	s := &testServer{base: r.base, client: &http.Client{Timeout: 60 * time.Second}}
	defer s.client.CloseIdleConnections()
	token := mintWith(t, secret, "disk-tester")

	outcome := map[string]string{} // correlation id → "created", "unavailable" (not stored) or "timeout" (maybe stored)
	customerOf := map[string]string{}
	n := 0
	create := func() *response {
		n++
		cid, no := fmt.Sprintf("disk-%d", n), strconv.Itoa(100000+n)
		body := newCustomer(no, fmt.Sprintf("Disk Person %d", n))
		body["emailAddress"] = fmt.Sprintf("d%d@example.se", n)
		body["legalAddress"].(map[string]any)["streetAddress"] = strings.Repeat("x", 70)
		resp := s.doAllowing5xx(t, http.MethodPost, customersPath(demoLedger), token, body, correlationHeader, cid)
		customerOf[cid] = no
		switch resp.Status {
		case http.StatusCreated:
			outcome[cid] = "created"
		case http.StatusServiceUnavailable:
			// The log could not be written ("unavailable": nothing stored), or it was but the
			// read models could not be ("timeout": stored, not readable yet).
			p := checkProblemShape(t, resp)
			outcome[cid] = strings.TrimPrefix(p.Type, problemTypePrefix)
			if outcome[cid] == "unavailable" && resp.Header.Get("Retry-After") == "" {
				t.Errorf("%s: no Retry-After", resp)
			}
			if outcome[cid] != "unavailable" && outcome[cid] != "timeout" {
				t.Errorf("a write on a full disk: %s", resp)
			}
		default:
			t.Fatalf("a write on a full disk: %s", resp)
		}
		return resp
	}
	for range 20 {
		expectStatus(t, create(), http.StatusCreated)
	}

	filler := fill(t, r.mount)
	refused := 0
	for i := 0; i < 2000 && refused < 5; i++ {
		if create().Status == http.StatusServiceUnavailable {
			refused++
		}
	}
	if refused == 0 {
		t.Fatalf("%d writes on a full disk all succeeded", n-20)
	}
	// Reads still work.
	expectStatus(t, s.do(t, http.MethodGet, customersPath(demoLedger, "100001"), token, nil), http.StatusOK)

	// Space returns: the read models catch up and writes succeed again, without a restart.
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	waitReady(t, s.client, s.base)
	for range 20 {
		expectStatus(t, create(), http.StatusCreated)
	}
	t.Logf("%d writes: %d answered 503 while the disk was full", n, refused)

	out := r.stop(t)
	checkLog(t, out)
	compareProjections(t, out, false)
	byCID := map[string]int{}
	for _, e := range readEvents(t, out) {
		byCID[e.CorrelationID]++
	}
	unavailable := 0
	for cid, o := range outcome {
		switch {
		case o == "created" && byCID[cid] != 1:
			t.Errorf("write %s was answered 201 but has %d events", cid, byCID[cid])
		case o == "unavailable" && byCID[cid] != 0:
			t.Errorf("write %s was answered 503 unavailable (not stored) but has %d events", cid, byCID[cid])
		case o == "timeout" && byCID[cid] > 1:
			t.Errorf("write %s has %d events", cid, byCID[cid])
		}
		if o == "unavailable" {
			unavailable++
		}
	}
	t.Logf("%d of them unavailable (not stored)", unavailable)
	if leaks := personalDataInAny(r.stderr.String(), []string{"Disk Person", "@example.se"}); len(leaks) > 0 {
		t.Errorf("ledgerd logged personal data: %q", leaks)
	}
}

// TestE2EReadModelDiskFull: the read models live on a disk of their own, which fills up while
// the log's does not. The writes of the tenth of a second the read models hold in memory (they
// are written back every 100 ms) are answered and readable; then their commit fails and a write is stored
// but cannot become readable: it is answered 503 timeout saying it was stored, with its version,
// after -read-model-wait, and /readyz says the read models lag. When space returns the read models
// catch up by themselves — no restart — and the write that was answered 503 is in the log and the
// read model.
func TestE2EReadModelDiskFull(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and mounts a tmpfs")
	}
	bin := buildLedgerd(t)
	const secret = "disk-test-secret-0123456789abcdef0123"
	r := startOnTmpfs(t, bin, tmpfsLayout{size: 16 << 20, readModels: true}, "-jwt-secret", secret, "-read-model-wait", "1s")
	s := &testServer{base: r.base, client: &http.Client{Timeout: 60 * time.Second}}
	defer s.client.CloseIdleConnections()
	token := mintWith(t, secret, "disk-tester")
	for i := range 5 {
		expectStatus(t, s.do(t, http.MethodPost, customersPath(demoLedger), token, newCustomer(strconv.Itoa(200+i), "Disk Reader")), http.StatusCreated)
	}
	filler := fill(t, r.proj)
	var stalled *response
	stalledNo := ""
	// The read models commit what they hold within 100 ms (or 16k events): the writes stall by
	// then, whatever the machine's speed; the bound only stops a test that would never end.
	for i := 0; i < 20000 && stalled == nil; i++ {
		no := strconv.Itoa(300 + i)
		resp := s.doAllowing5xx(t, http.MethodPost, customersPath(demoLedger), token, newCustomer(no, "Disk Reader"), correlationHeader, fmt.Sprintf("stall-%d", i))
		switch resp.Status {
		case http.StatusCreated:
			if i%50 == 0 { // answered: readable, from what the read models hold in memory
				expectStatus(t, s.do(t, http.MethodGet, customersPath(demoLedger, no), token, nil), http.StatusOK)
			}
		case http.StatusServiceUnavailable:
			// Stored, and told so: a write is never reported as not done when it was.
			p := assertProblem(t, resp, http.StatusServiceUnavailable, "timeout")
			if want := fmt.Sprintf("the change was stored (customer %s, version 1)", no); !strings.Contains(p.Detail, want) {
				t.Errorf("a stored write answered %q, want it to say %q", p.Detail, want)
			}
			stalled, stalledNo = resp, no
		default:
			t.Fatalf("a write while the read models' disk is full: %s", resp)
		}
	}
	if stalled == nil {
		t.Fatal("20000 writes became readable although the read models' disk is full")
	}
	if resp, err := s.client.Get(s.base + "/readyz"); err != nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("/readyz while the read models lag: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	waitReady(t, s.client, s.base)
	expectStatus(t, s.do(t, http.MethodGet, customersPath(demoLedger, stalledNo), token, nil), http.StatusOK)
	for i := range 5 {
		expectStatus(t, s.do(t, http.MethodPost, customersPath(demoLedger), token, newCustomer(strconv.Itoa(900000+i), "Disk Reader")), http.StatusCreated)
	}
	out := r.stop(t)
	head := checkLog(t, out)
	if cp := compareProjections(t, out, false); cp != head {
		t.Errorf("read models at %d after a clean stop, log head %d", cp, head)
	}
	if strings.Contains(r.stderr.String(), "Disk Reader") {
		t.Errorf("ledgerd logged personal data")
	}
}
