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
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// The HTTP stack's ceiling: a minimal net/http server, in its own process like ledgerd, with the
// same server timeouts, that reads the request body and answers a JSON body of the requested
// size. The harness drives it with the same client code, concurrency and request bodies as the
// service, so the ratio service/minimal is what the service's own work costs.

// minimalServerEnv makes the harness's executable run as the minimal server (os.Args then hold
// its address); the environment, not an argument, so a test binary can be the child too.
const minimalServerEnv = "LEDGERBENCH_MINIMAL_SERVER"

// runMinimalServer serves until stdin closes or a signal arrives. It prints "listening ADDR".
func runMinimalServer(addr string) error {
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

// startMinimalServer starts the harness's own executable as the minimal server on a free port.
func startMinimalServer(ctx context.Context) (*minimalServer, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe, addr)
	cmd.Env = append(os.Environ(), minimalServerEnv+"=1")
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

func (s *minimalServer) pid() int { return s.cmd.Process.Pid }

func (s *minimalServer) stop() {
	s.stdin.Close()
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		s.cmd.Process.Signal(syscall.SIGKILL)
		<-s.done
	}
}
