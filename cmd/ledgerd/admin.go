package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/nordledger/ledger/internal/admin"
)

// startAdmin serves the operator routes (package admin: the backups, the master key rotation and
// the consumers' grants that ledgerctl asks for) on the admin socket: a writer only, a reader has
// no log and no key store.
func (m *Main) startAdmin() error {
	path := m.dir().AdminSocketPath()
	if path == "" {
		return nil
	}
	if c, err := net.Dial("unix", path); err == nil {
		c.Close()
		return fmt.Errorf("admin socket %s is in use: is another ledgerd running on this data directory?", path)
	}
	// Only a stale socket is removed: the path may name any file (a mistyped -admin-socket naming
	// the event log was removed).
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&os.ModeSocket == 0 {
		return fmt.Errorf("admin socket %s: the file exists and is not a socket; give another path, or \"off\"", path)
	} else if err == nil {
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("admin socket: %w", err)
		}
	}
	l, err := admin.Listen(path) // mode 0600: ledgerd's user only
	if err != nil {
		return fmt.Errorf("admin socket %s: %w", path, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+admin.BackupEvents, m.backupEvents)
	mux.HandleFunc("GET "+admin.BackupKeys, m.backupKeys)
	mux.HandleFunc("POST "+admin.RotateMasterKeys, m.rotateMasterKeys)
	m.adminConsumerRoutes(mux) // consumers.go
	m.admin = &http.Server{
		Handler:           boundBody(mux),
		ReadHeaderTimeout: adminHeaderTimeout,
		IdleTimeout:       adminIdleTimeout,
		ErrorLog:          slog.NewLogLogger(m.log.Handler(), slog.LevelWarn),
	}
	m.adminListener = l
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		if err := m.admin.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.log.Error("admin socket stopped", "err", err)
		}
	}()
	m.log.Info("operator routes on the admin socket", "socket", path)
	return nil
}

// The admin socket's bounds on a client that stops half way (variables for the tests): the
// socket is ledgerd's user's (0600), but a client stuck mid-request — a ledgerctl stopped with
// Ctrl-Z, a script's connection left open — held a connection and its goroutine for as long as
// it lived (TestE2EAdminSocketCutsStuckClients). None bounds a request's whole read or its
// answer, as http.Server's ReadTimeout and WriteTimeout would: a backup streams its copy for as
// long as it takes (each of its writes bounded by -backup-stall-timeout: backupWriter), and a
// rotation answers at its end, however many keys it re-wraps. A ReadTimeout's deadline would
// also stay on the connection while the handler runs: the server's read that watches for the
// client going away fails at it and cancels the request's context.
var (
	// adminHeaderTimeout bounds reading a request's line and header (ledgerctl sends them at once).
	adminHeaderTimeout = 10 * time.Second
	// adminBodyTimeout bounds reading a request's body (a grant's is a few hundred bytes).
	adminBodyTimeout = 30 * time.Second
	// adminIdleTimeout closes a connection that sends no next request for so long.
	adminIdleTimeout = time.Minute
)

// boundBody bounds how long reading a request's body may take (adminBodyTimeout): its read
// deadline is lifted once the handler has read the body to its end (deadlineBody), before
// the handler goes on.
func boundBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && r.Body != http.NoBody {
			rc := http.NewResponseController(w)
			if rc.SetReadDeadline(time.Now().Add(adminBodyTimeout)) == nil {
				r.Body = &deadlineBody{ReadCloser: r.Body, rc: rc}
			}
		}
		next.ServeHTTP(w, r)
	})
}

// deadlineBody is a request's body whose read deadline (boundBody) is lifted at its end: the
// server reads on from there to notice a client that goes away, and a deadline left for that
// read would cancel the request's context when it passes.
type deadlineBody struct {
	io.ReadCloser
	rc     *http.ResponseController
	lifted bool
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF && !b.lifted { // not at a failed read: the server's discard of the rest stays bounded
		b.lifted = true
		_ = b.rc.SetReadDeadline(time.Time{})
	}
	return n, err
}

// stopAdmin closes the admin socket (in-flight backups are cut: ledgerctl reports them failed).
func (m *Main) stopAdmin() {
	if m.admin != nil {
		m.admin.Close()
		os.Remove(m.adminListener.Addr().String())
	}
}

func (m *Main) backupEvents(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/octet-stream")
	head, err := m.store.Head(r.Context())
	if err != nil {
		admin.WriteError(w, http.StatusServiceUnavailable, err)
		return
	}
	w.Header().Set(admin.HeaderLogHead, strconv.FormatUint(head, 10)) // the copy holds at least this

	cw := m.backupWriter(w)
	info, err := m.store.Backup(r.Context(), cw)
	if err != nil {
		m.log.Warn("backup of the event log failed", "err", err)
		refuseOrCut(w, cw, err)
		return
	}
	cw.done()
	m.log.Info("backed up the event log", "bytes", info.Bytes, "head", info.Head)
}

func (m *Main) backupKeys(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/octet-stream")
	cw := m.backupWriter(w)
	n, err := m.keys.Backup(cw)
	if err != nil {
		m.log.Warn("backup of the key store failed", "err", err)
		refuseOrCut(w, cw, err)
		return
	}
	cw.done()
	m.log.Info("backed up the key store", "bytes", n)
}

// backupWriter is what a backup writes its copy to: the response, with a bound on how long
// each write may wait for ledgerctl to take more (-backup-stall-timeout). The backup holds a
// read transaction of the file while it writes, and a reader that stopped taking the copy — a
// ledgerctl stopped (Ctrl-Z), writing to a hung disk or pipe — would hold it for as long as it
// likes: a forget waits for a key-store backup begun before it, and bbolt maps a file that
// outgrew its map anew only once every read transaction has ended, every write waiting
// meanwhile (internal/boltmap). A write that waits longer fails, and the backup is cut.
func (m *Main) backupWriter(w http.ResponseWriter) *countingWriter {
	return &countingWriter{w: w, rc: http.NewResponseController(w), stall: m.Options.BackupStallTimeout}
}

// countingWriter counts what a backup has written of its copy, and bounds each write's wait
// (backupWriter).
type countingWriter struct {
	w     io.Writer
	rc    *http.ResponseController
	stall time.Duration
	n     int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	if c.rc != nil && c.stall > 0 {
		_ = c.rc.SetWriteDeadline(time.Now().Add(c.stall))
	}
	n, err := c.w.Write(p)
	c.n += int64(n)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		err = fmt.Errorf("cut: ledgerctl took nothing of the copy for %v (-backup-stall-timeout; a stopped ledgerctl, or its disk or pipe stuck), and the backup may not hold the file's read transaction longer: %w", c.stall, err)
	}
	return n, err
}

// done lifts the write deadline once the copy is written: the connection may serve other
// requests after it.
func (c *countingWriter) done() {
	if c.rc != nil {
		_ = c.rc.SetWriteDeadline(time.Time{})
	}
}

// refuseOrCut answers a backup that failed: refused with its reason (503) when nothing of the
// copy was sent — a key store whose rewrite is due, a log that cannot be read — so ledgerctl
// says why; cut off when part of it was (the copy is incomplete: ledgerctl reports a stream that
// broke off and keeps nothing).
func refuseOrCut(w http.ResponseWriter, cw *countingWriter, err error) {
	if cw.n == 0 {
		admin.WriteError(w, http.StatusServiceUnavailable, err)
		return
	}
	panic(http.ErrAbortHandler)
}

func (m *Main) rotateMasterKeys(w http.ResponseWriter, r *http.Request) {
	ring, err := m.readMasterKeys(false)
	if err != nil {
		admin.WriteError(w, http.StatusConflict, err)
		return
	}
	rep, err := m.keys.Rotate(context.WithoutCancel(r.Context()), ring)
	if err != nil {
		admin.WriteError(w, http.StatusConflict, err)
		return
	}
	rep.Unpublished = m.awaitKeyBus(r.Context())
	m.log.Info("rotated the master key", "current", rep.Current, "rewrapped", rep.Rewrapped, "keys", rep.Keys, "unpublished", rep.Unpublished)
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(rep)
}

// rotateBusWait bounds how long a rotation's answer waits for the key bus to hold the re-wrapped
// keys.
const rotateBusWait = 10 * time.Second

// awaitKeyBus waits, up to rotateBusWait, until the key bus holds every record of the key store
// (the publisher has published the re-wrapped keys), and returns how many it does not hold then
// (counted up to 1000). Until it holds them, reader replicas need the old master key: a rotation
// is not done for them when keys.db is.
func (m *Main) awaitKeyBus(ctx context.Context) int {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(rotateBusWait)
	for {
		pending, err := m.keys.Pending(1000)
		if err != nil {
			m.log.Warn("rotation: cannot read what the key bus lacks", "err", err)
			return 1
		}
		if len(pending) == 0 {
			return 0
		}
		select {
		case <-tick.C:
		case <-deadline:
			return len(pending)
		case <-ctx.Done():
			return len(pending)
		}
	}
}
