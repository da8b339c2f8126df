package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log"
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

// The HTTP stack's ceilings: a minimal net/http server, in its own process like ledgerd, with the
// same server timeouts, that reads the request body and answers a JSON body of the requested
// size (/minimal: the http ceiling, for reads) — or first appends the body to a bbolt file
// through a group commit with fsync (/log: the http+log ceiling, for writes: the least a
// durable write over HTTP costs here). The harness drives it with the same client code,
// concurrency and request bodies as the service, so the ratio service/ceiling is what the
// service's own work costs.

// minimalServerEnv makes the harness's executable run as the minimal server (os.Args then hold
// its address); the environment, not an argument, so a test binary can be the child too.
// minimalLogEnv names the file of its /log route's group-commit log.
const (
	minimalServerEnv = "LEDGERBENCH_MINIMAL_SERVER"
	minimalLogEnv    = "LEDGERBENCH_MINIMAL_LOG"
)

// runMinimalServer serves until stdin closes or a signal arrives. It prints "listening ADDR".
// With logPath it serves /log, appending each request's body to a group-commit log there
// (groupLog) before answering, and /log-stats, that log's commits and puts.
func runMinimalServer(addr, logPath string) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	var mu sync.Mutex
	bodies := map[int][]byte{}
	body := func(size int) []byte {
		mu.Lock()
		defer mu.Unlock()
		b, ok := bodies[size]
		if !ok {
			b = jsonBodyOfSize(size)
			bodies[size] = b
		}
		return b
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/minimal", func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		size, _ := strconv.Atoi(r.URL.Query().Get("size"))
		w.Header().Set("Content-Type", "application/json")
		w.Write(body(min(max(size, 16), 1<<20)))
	})
	if logPath != "" {
		os.Remove(logPath)
		glog, err := openGroupLog(logPath, 1024)
		if err != nil {
			return err
		}
		defer os.Remove(logPath)
		defer glog.close()
		mux.HandleFunc("/log", func(w http.ResponseWriter, r *http.Request) {
			value, err := io.ReadAll(r.Body)
			if err == nil {
				err = glog.append(value, make(chan error, 1))
			}
			if err != nil {
				http.Error(w, err.Error(), http.StatusServiceUnavailable)
				return
			}
			size, _ := strconv.Atoi(r.URL.Query().Get("size"))
			w.Header().Set("Content-Type", "application/json")
			w.Write(body(min(max(size, 16), 1<<20)))
		})
		mux.HandleFunc("/log-stats", func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "%d %d", glog.commits.Load(), glog.puts.Load())
		})
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10,
		ErrorLog: log.New(io.Discard, "", 0)}
	fmt.Printf("listening %s\n", l.Addr())
	go func() {
		io.Copy(io.Discard, os.Stdin) // the parent closes our stdin to stop us
		srv.Close()
	}()
	if err := srv.Serve(l); err != nil && err != http.ErrServerClosed {
		return err
	}
	return nil
}

// jsonBodyOfSize returns a JSON object of exactly size bytes (size ≥ 16).
func jsonBodyOfSize(size int) []byte {
	const head, foot = `{"customerNo":"1000000001","pad":"`, `"}`
	pad := size - len(head) - len(foot)
	if pad < 0 {
		return []byte(`{"p":"` + strings.Repeat("x", max(size-8, 0)) + `"}`)
	}
	return []byte(head + strings.Repeat("x", pad) + foot)
}

// minimalServer is a running minimal-server child.
type minimalServer struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	base  string
	done  chan struct{}
}

// startMinimalServer starts the harness's own executable as the minimal server on a free port,
// with its /log route's file at logPath ("" serves no /log).
func startMinimalServer(ctx context.Context, logPath string) (*minimalServer, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe, addr)
	cmd.Env = append(os.Environ(), minimalServerEnv+"=1", minimalLogEnv+"="+logPath)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &minimalServer{cmd: cmd, stdin: stdin, done: make(chan struct{})}
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			line <- sc.Text()
		}
		close(line)
		io.Copy(io.Discard, stdout)
	}()
	go func() { cmd.Wait(); close(s.done) }()
	select {
	case l, ok := <-line:
		if !ok || !strings.HasPrefix(l, "listening ") {
			s.stop()
			return nil, fmt.Errorf("minimal server did not start (said %q)", l)
		}
		s.base = "http://" + strings.TrimPrefix(l, "listening ")
	case <-time.After(30 * time.Second):
		s.stop()
		return nil, fmt.Errorf("minimal server did not start within 30s")
	case <-ctx.Done():
		s.stop()
		return nil, ctx.Err()
	}
	return s, nil
}

// startCeilingServer starts the minimal server when the session measures the http or the
// http+log ceiling (nil otherwise: stop is then a no-op), its log in the session's scratch
// directory.
func startCeilingServer(ctx context.Context, s *session) (*minimalServer, error) {
	if !s.cfg.has("http") && !s.cfg.has("log") {
		return nil, nil
	}
	logPath := ""
	if s.cfg.has("log") {
		logPath = filepath.Join(s.scratch, "ceiling-http-log.db")
	}
	return startMinimalServer(ctx, logPath)
}

func (s *minimalServer) pid() int { return s.cmd.Process.Pid }

func (s *minimalServer) stop() {
	if s == nil {
		return
	}
	s.stdin.Close()
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		s.cmd.Process.Signal(syscall.SIGKILL)
		<-s.done
	}
}

// logStats returns the /log route's commits and puts so far.
func (s *minimalServer) logStats() (commits, puts int64) {
	resp, err := http.Get(s.base + "/log-stats")
	if err != nil {
		return 0, 0
	}
	defer resp.Body.Close()
	fmt.Fscan(resp.Body, &commits, &puts)
	return commits, puts
}
