//go:build unix

package admin

import (
	"fmt"
	"net"
	"os"
	"syscall"
)

// Listen listens on a new Unix socket at path that only this process's user may connect to
// (mode 0600). It fails, leaving it alone, when something exists at path (EADDRINUSE).
//
// The socket is bound (which makes the file, of mode 0777 less the umask), then made 0600,
// and only then set listening: until it listens a connect to it is refused (ECONNREFUSED), so
// nobody connects while its mode is wider, and nobody can after. The process's umask is left
// alone: it used to be set to 0177 around net.Listen (which binds and listens at once), and a
// file another goroutine created in that moment was made 0600 as well. The chmod follows a
// symbolic link that replaced the socket between bind and chmod — which needs write access to
// its directory, where anybody could replace the socket itself (the data directory is 0700).
func Listen(path string) (net.Listener, error) {
	addr := &net.UnixAddr{Name: path, Net: "unix"}
	opErr := func(call string, err error) error {
		return &net.OpError{Op: "listen", Net: "unix", Addr: addr, Err: os.NewSyscallError(call, err)}
	}
	syscall.ForkLock.RLock() // as package net makes sockets: not inherited by a child started meanwhile
	fd, err := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err == nil {
		syscall.CloseOnExec(fd)
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return nil, opErr("socket", err)
	}
	f := os.NewFile(uintptr(fd), path)
	defer f.Close() // net.FileListener listens on a copy of the descriptor
	if err := syscall.Bind(fd, &syscall.SockaddrUnix{Name: path}); err != nil {
		return nil, opErr("bind", err)
	}
	l, err := listenBound(f, fd, path)
	if err != nil {
		os.Remove(path) // the socket file bind made
		return nil, err
	}
	l.SetUnlinkOnClose(true) // as net.Listen's: Close removes the socket file
	return l, nil
}

// listenBound makes the socket fd, bound at path, 0600, then sets it listening.
func listenBound(f *os.File, fd int, path string) (*net.UnixListener, error) {
	if err := os.Chmod(path, 0o600); err != nil {
		return nil, err
	}
	if err := syscall.Listen(fd, syscall.SOMAXCONN); err != nil {
		return nil, &net.OpError{Op: "listen", Net: "unix", Addr: &net.UnixAddr{Name: path, Net: "unix"}, Err: os.NewSyscallError("listen", err)}
	}
	l, err := net.FileListener(f)
	if err != nil {
		return nil, err
	}
	ul, ok := l.(*net.UnixListener)
	if !ok { // cannot be: a Unix socket
		l.Close()
		return nil, fmt.Errorf("listen unix %s: not a Unix listener: %T", path, l)
	}
	return ul, nil
}
