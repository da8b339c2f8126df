package main

import (
	"context"
	"errors"
	"flag"
	"io/fs"
	"net"
	"net/http"
	"syscall"
)

// The admin socket: a running ledgerd serves the operator routes on a Unix socket in its data
// directory (cmd/ledgerd/admin.go); backup and master-key ask it, and work on the files
// themselves when no ledgerd is running.
const (
	adminSocketEnv    = "LEDGERD_ADMIN_SOCKET"
	adminSocketFile   = "admin.sock"
	adminBackupEvents = "/admin/v1/backup/events"
	adminBackupKeys   = "/admin/v1/backup/keys"
	adminRotate       = "/admin/v1/master-keys/rotate"
	headerLogHead     = "Ledger-Log-Head"
)

// adminFlags adds --socket to the data flags.
type adminFlags struct {
	dataFlags
	socket string
}

func (a *adminFlags) register(fs *flag.FlagSet, e *env) {
	a.dataFlags.register(fs, e)
	fs.StringVar(&a.socket, "socket", e.getenv(adminSocketEnv), "the admin `socket` of a running ledgerd (default $"+adminSocketEnv+" or <data-dir>/"+adminSocketFile+")")
}

func (a *adminFlags) socketPath() string {
	if a.socket != "" {
		return a.socket
	}
	return a.path(adminSocketFile)
}

// adminClient returns an HTTP client of the admin socket, or nil when no ledgerd listens there
// (no socket file, or nobody behind it).
func (a *adminFlags) adminClient(ctx context.Context) (*http.Client, error) {
	path := a.socketPath()
	c, err := (&net.Dialer{}).DialContext(ctx, "unix", path)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ECONNREFUSED) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	c.Close()
	return &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", path)
		},
	}}, nil
}
