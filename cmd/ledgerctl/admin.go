package main

import (
	"context"
	"flag"
	"net/http"

	"github.com/nordledger/ledger/internal/admin"
	"github.com/nordledger/ledger/internal/datadir"
)

// The admin socket: a running ledgerd serves the operator routes (package admin) on a Unix socket
// in its data directory; backup, master-key and consumer ask it, and work on the files themselves
// when no ledgerd is running.

// adminFlags adds --socket to the data flags.
type adminFlags struct {
	dataFlags
	socket string
}

func (a *adminFlags) register(fs *flag.FlagSet, e *env) {
	a.dataFlags.register(fs, e)
	fs.StringVar(&a.socket, "socket", e.getenv(datadir.EnvAdminSocket), "the admin `socket` of a running ledgerd (default $"+datadir.EnvAdminSocket+" or <data-dir>/"+datadir.AdminSocket+")")
}

// adminClient returns an HTTP client of the admin socket, or nil when no ledgerd listens there
// (no socket file, or nobody behind it).
func (a *adminFlags) adminClient(ctx context.Context) (*http.Client, error) {
	d := a.dir()
	d.AdminSocket = a.socket
	path := d.AdminSocketPath()
	if path == "" {
		return nil, nil
	}
	return admin.Dial(ctx, path)
}
