//go:build unix

package admin

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
)

// TestListenLeavesTheUmaskAlone: files that other goroutines create while the admin socket is
// made get the mode the process's umask gives them. Listen used to set the umask of the whole
// process to 0177 around its bind, and a file created in that moment — a log, a backup's copy,
// a store — was made 0600 instead. The moment is short: the test makes the socket many times
// while another goroutine creates files, and fails when one of them got another mode (it did,
// on the old Listen, within the first few hundred sockets).
func TestListenLeavesTheUmaskAlone(t *testing.T) {
	umask := syscall.Umask(0o022) // read it (nothing else of this package runs now)
	syscall.Umask(umask)
	want := os.FileMode(0o666) &^ os.FileMode(umask)
	if want == 0o600 {
		t.Skipf("the process's umask %#o gives files mode 0600 already", umask)
	}
	dir := t.TempDir()
	var stop atomic.Bool
	var wrong atomic.Value // the first file created with another mode
	var made atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; !stop.Load(); i++ {
			name := filepath.Join(dir, fmt.Sprintf("f%d", i%64))
			f, err := os.OpenFile(name, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o666)
			if err != nil {
				wrong.CompareAndSwap(nil, err.Error())
				return
			}
			fi, err := f.Stat()
			f.Close()
			os.Remove(name)
			if err == nil && fi.Mode().Perm() != want {
				wrong.CompareAndSwap(nil, fmt.Sprintf("a file created while the socket was made has mode %v, want %v", fi.Mode().Perm(), want))
				return
			}
			made.Add(1)
		}
	}()
	sock := filepath.Join(t.TempDir(), "admin.sock")
	for i := 0; i < 5000 && wrong.Load() == nil; i++ {
		l, err := Listen(sock)
		if err != nil {
			stop.Store(true)
			wg.Wait()
			t.Fatal(err)
		}
		l.Close()
	}
	stop.Store(true)
	wg.Wait()
	if w := wrong.Load(); w != nil {
		t.Fatalf("%s (after %d files)", w, made.Load())
	}
}

// TestListenMode: the socket is made 0600, whatever the umask, answers connections, and is
// removed by Close; Listen refuses a path that exists (and leaves it alone).
func TestListenMode(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "admin.sock")
	l, err := Listen(sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	fi, err := os.Lstat(sock)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode()&os.ModeSocket == 0 || fi.Mode().Perm() != 0o600 {
		t.Errorf("the socket's mode is %v, want a socket of 0600", fi.Mode())
	}
	accepted := make(chan error, 1)
	go func() {
		c, err := l.Accept()
		if err == nil {
			c.Close()
		}
		accepted <- err
	}()
	c, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	if err := <-accepted; err != nil {
		t.Fatal(err)
	}
	l.Close()
	if _, err := os.Lstat(sock); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("after Close the socket file is there: %v", err)
	}

	file := filepath.Join(t.TempDir(), "events.db")
	if err := os.WriteFile(file, []byte("not a socket"), 0o600); err != nil {
		t.Fatal(err)
	}
	if l, err := Listen(file); err == nil {
		l.Close()
		t.Error("Listen took the path of a file")
	} else if !errors.Is(err, syscall.EADDRINUSE) {
		t.Errorf("Listen on a file: %v, want EADDRINUSE", err)
	}
	if b, err := os.ReadFile(file); err != nil || string(b) != "not a socket" {
		t.Errorf("the file is now %q, %v", b, err)
	}
}

// TestBoundSocketRefuses pins what Listen's way relies on: a Unix socket that is bound but not
// listening refuses a connect (ECONNREFUSED), so nobody reaches the socket before Listen has
// made it 0600.
func TestBoundSocketRefuses(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "bound.sock")
	fd, err := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fd)
	if err := syscall.Bind(fd, &syscall.SockaddrUnix{Name: sock}); err != nil {
		t.Fatal(err)
	}
	if c, err := net.Dial("unix", sock); err == nil {
		c.Close()
		t.Fatal("a connect to a socket bound but not listening was taken")
	} else if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("a connect to a socket bound but not listening: %v, want ECONNREFUSED", err)
	}
}
