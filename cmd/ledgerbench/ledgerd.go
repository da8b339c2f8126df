package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// The harness runs ledgerd as a child process (the built binary, as operators run it), so the
// service's CPU time and memory are its own and can be read from /proc/<pid>, apart from the
// load generator's.

// buildLedgerd builds cmd/ledgerd into dir and returns the binary's path. The harness runs from
// the module (go run ./cmd/ledgerbench), so the package path resolves to this checkout.
func buildLedgerd(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "ledgerd")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/nordledger/ledger/cmd/ledgerd")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("building ledgerd (run the harness from the repository, or give --ledgerd): %v\n%s", err, out)
	}
	return bin, nil
}

// freeAddr returns a loopback address whose port was free a moment ago (other processes on the
// machine run their own services: never assume a fixed port).
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// child is a running ledgerd.
type child struct {
	cmd       *exec.Cmd
	base      string // http://host:port
	natsURL   string
	pprofURL  string // "" when not profiling
	logPath   string
	started   time.Time
	readyIn   time.Duration // from exec to the first 200 from /readyz
	exited    chan struct{}
	exitErr   error
	stopOnce  sync.Once
	stoppedIn time.Duration
}

// childOptions configure startChild.
type childOptions struct {
	Bin, DataDir, LogPath string
	Pprof                 bool
	ReadyTimeout          time.Duration
	// Extra are more ledgerd flags (e.g. -nats-url of another NATS, whose URL then replaces the
	// embedded server's for the observers).
	Extra []string
	// Progress, when set, is called while waiting for readiness with the projections' position
	// and the log's head (a start that replays the log shows its advance).
	Progress func(position, head uint64)
}

// startChild starts ledgerd on free ports with its data in DataDir and waits until /readyz
// answers 200 (projections caught up with the log).
func startChild(ctx context.Context, o childOptions) (*child, error) {
	httpAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	natsAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	args := []string{"-data-dir", o.DataDir, "-http-addr", httpAddr, "-nats-listen", natsAddr, "-log-level", "info"}
	c := &child{base: "http://" + httpAddr, natsURL: "nats://" + natsAddr, logPath: o.LogPath, exited: make(chan struct{})}
	if o.Pprof {
		pprofAddr, err := freeAddr()
		if err != nil {
			return nil, err
		}
		args = append(args, "-pprof-addr", pprofAddr)
		c.pprofURL = "http://" + pprofAddr
	}
	args = append(args, o.Extra...)
	for i, a := range o.Extra {
		if (a == "-nats-url" || a == "--nats-url") && i+1 < len(o.Extra) {
			c.natsURL = o.Extra[i+1]
		}
	}
	logFile, err := os.OpenFile(o.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	c.cmd = exec.Command(o.Bin, args...)
	c.cmd.Stdout, c.cmd.Stderr = logFile, logFile
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "LEDGERD_") { // the child's settings are exactly its flags
			env = append(env, kv)
		}
	}
	c.cmd.Env = env
	c.started = time.Now()
	if err := c.cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("starting ledgerd: %w", err)
	}
	go func() {
		c.exitErr = c.cmd.Wait()
		logFile.Close()
		close(c.exited)
	}()
	if err := c.waitReady(ctx, o.ReadyTimeout, o.Progress); err != nil {
		c.stop()
		return nil, fmt.Errorf("%w (log: %s)\n%s", err, o.LogPath, tail(o.LogPath, 15))
	}
	return c, nil
}

func (c *child) pid() int { return c.cmd.Process.Pid }

func (c *child) waitReady(ctx context.Context, timeout time.Duration, progress func(position, head uint64)) error {
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(timeout)
	lastProgress := time.Time{}
	for {
		resp, err := client.Get(c.base + "/readyz")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				c.readyIn = time.Since(c.started)
				return nil
			}
			if progress != nil && time.Since(lastProgress) > 200*time.Millisecond {
				if m, err := scrapeMetrics(ctx, client, c.base); err == nil {
					progress(uint64(m["ledgerd_projection_position"]), uint64(m["ledgerd_log_head_position"]))
				}
				lastProgress = time.Now()
			}
		}
		select {
		case <-c.exited:
			return fmt.Errorf("ledgerd exited before it was ready: %v", c.exitErr)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("ledgerd not ready within %s", timeout)
		}
	}
}

// stop sends SIGTERM and waits for ledgerd to exit (SIGKILL after 60 s); it returns how long the
// graceful stop took.
func (c *child) stop() (time.Duration, error) {
	var err error
	c.stopOnce.Do(func() {
		t0 := time.Now()
		if e := c.cmd.Process.Signal(syscall.SIGTERM); e != nil && !errors.Is(e, os.ErrProcessDone) {
			err = e
		}
		select {
		case <-c.exited:
		case <-time.After(60 * time.Second):
			c.cmd.Process.Kill()
			<-c.exited
			err = errors.New("ledgerd did not stop within 60s of SIGTERM; killed")
		}
		c.stoppedIn = time.Since(t0)
	})
	return c.stoppedIn, err
}

// replayedFromStart reports whether ledgerd's log (since offset) says a projection was built from
// the start of the log: a full replay, which a normal start must not do.
func replayedFromStart(logPath string, offset int64) bool {
	f, err := os.Open(logPath)
	if err != nil {
		return false
	}
	defer f.Close()
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return false
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if strings.Contains(sc.Text(), "building from the start of the log") {
			return true
		}
	}
	return false
}

func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// tail returns the last n lines of a file, for error messages.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// scrapeMetrics reads ledgerd's Prometheus metrics (unlabelled samples by name; a labelled
// sample under its name too, keeping the lowest value, which for the projections' positions is
// the position every projection has reached).
func scrapeMetrics(ctx context.Context, client *http.Client, base string) (map[string]float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/metrics", nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("/metrics: %s", resp.Status)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "ledgerd_") {
			continue
		}
		name, value, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		if i := strings.IndexByte(name, '{'); i >= 0 {
			name = name[:i]
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil {
			continue
		}
		if old, seen := out[name]; !seen || v < old {
			out[name] = v
		}
	}
	return out, sc.Err()
}
