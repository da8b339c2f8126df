package main

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/nordledger/ledger/internal/admin"
	"github.com/nordledger/ledger/internal/datadir"
)

// TestE2EAdminSocketCutsStuckClients: a client of the admin socket that stops half way — in a
// request's header, in its body, or idle between requests — has its connection closed once the
// admin server's bound passes, instead of holding it (and a goroutine of ledgerd's) for as
// long as it lives. Each case shortens only the bound it tests (the others stay a minute, so
// that a client slow to send what it sends is not cut by them on a loaded machine) and awaits
// the close (a guard near the test's deadline only turns a connection held for ever into a failure).
func TestE2EAdminSocketCutsStuckClients(t *testing.T) {
	defer func(h, b, i time.Duration) { adminHeaderTimeout, adminBodyTimeout, adminIdleTimeout = h, b, i }(adminHeaderTimeout, adminBodyTimeout, adminIdleTimeout)
	const short, long = 100 * time.Millisecond, time.Minute
	adminHeaderTimeout, adminBodyTimeout, adminIdleTimeout = short, long, long
	s := startServer(t)
	sock := datadir.Dir{Path: s.dir}.AdminSocketPath()

	dial := func(t *testing.T) net.Conn {
		t.Helper()
		c, err := net.Dial("unix", sock)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		wait, cancel := waitContext(t)
		t.Cleanup(cancel)
		if d, ok := wait.Deadline(); ok {
			c.SetReadDeadline(d) // the guard
		}
		return c
	}
	// awaitClose reads what ledgerd sends until it closes the connection.
	awaitClose := func(t *testing.T, c net.Conn) {
		t.Helper()
		if _, err := io.Copy(io.Discard, c); errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatal("ledgerd held the connection of a stuck client until the test's deadline neared")
		}
	}

	t.Run("half a header", func(t *testing.T) {
		c := dial(t)
		if _, err := io.WriteString(c, "GET "+admin.Consumers+" HTTP/1.1\r\nHost: ledgerd\r\n"); err != nil {
			t.Fatal(err)
		}
		awaitClose(t, c)
	})
	// The body's and the idle connection's bound, on ledgerd started again (it reads them at start).
	s.stop(t)
	adminHeaderTimeout, adminBodyTimeout, adminIdleTimeout = long, short, short
	s.start(t)
	t.Run("half a body", func(t *testing.T) {
		c := dial(t)
		if _, err := io.WriteString(c, "POST "+admin.ConsumersGrant+" HTTP/1.1\r\nHost: ledgerd\r\n"+
			"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"ledgerNo\": "); err != nil {
			t.Fatal(err)
		}
		awaitClose(t, c)
	})
	t.Run("idle", func(t *testing.T) {
		c := dial(t)
		if _, err := io.WriteString(c, "GET "+admin.Consumers+" HTTP/1.1\r\nHost: ledgerd\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		br := bufio.NewReader(c)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK || resp.Close {
			t.Fatalf("the request before the idle time: %s, %v, close %v", resp.Status, err, resp.Close)
		}
		if _, err := io.Copy(io.Discard, br); errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatal("ledgerd held an idle connection until the test's deadline neared")
		}
	})
}
