package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"time"

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

// adminAnswerWithin bounds the wait for the head of ledgerd's answer on the admin socket (a
// variable for the tests). A backup's head comes before the copy, a grant's at once; a ledgerd
// that is stopped (SIGSTOP) or hung accepts the connection all the same — the kernel does — and
// without a bound the command waited for ever.
var adminAnswerWithin = 30 * time.Second

// adminClient returns an HTTP client of the admin socket, or nil when no ledgerd listens there
// (no socket file, or nobody behind it). Its requests fail when ledgerd does not begin to answer
// within answerWithin (0: no bound — a rotation's answer comes at its end), and carry the
// environment's trace context (env.traced).
func (a *adminFlags) adminClient(e *env, answerWithin time.Duration) (*http.Client, error) {
	d := a.dir()
	d.AdminSocket = a.socket
	path := d.AdminSocketPath()
	if path == "" {
		return nil, nil
	}
	dctx, cancel := context.WithTimeout(e.ctx, adminAnswerWithin)
	defer cancel()
	client, err := admin.Dial(dctx, path)
	if client != nil {
		if t, ok := client.Transport.(*http.Transport); ok {
			t.ResponseHeaderTimeout = answerWithin
		}
		client.Transport = e.traced(client.Transport)
	}
	return client, err
}

// adminError explains an admin request that failed: a ledgerd that did not answer in time.
func adminError(what string, err error) error {
	if ne, ok := errors.AsType[net.Error](err); ok && ne.Timeout() {
		return fmt.Errorf("%s: ledgerd did not answer within %v on its admin socket (is it stopped or hung?): %w", what, adminAnswerWithin, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}
