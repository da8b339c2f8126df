//go:build unix

package admin

import (
	"net"
	"syscall"
)

// Listen listens on a new Unix socket at path that only this process's user may connect to
// (mode 0600).
func Listen(path string) (net.Listener, error) {
	old := syscall.Umask(0o177) // the socket is created 0600: ledgerd's user only
	l, err := net.Listen("unix", path)
	syscall.Umask(old)
	return l, err
}
