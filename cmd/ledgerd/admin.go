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
	"sync"
	"time"

	"github.com/nordledger/ledger/internal/admin"
	"github.com/nordledger/ledger/internal/boltmap"
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

	cw, err := m.backupWriter(w, "event log", m.store.MapUse)
	if err != nil {
		m.log.Warn("backup of the event log refused", "err", err)
		admin.WriteError(w, http.StatusServiceUnavailable, err)
		return
	}
	info, err := m.store.Backup(r.Context(), cw)
	cw.done()
	if err != nil {
		m.log.Warn("backup of the event log failed", "err", err)
		refuseOrCut(w, cw, err)
		return
	}
	m.log.Info("backed up the event log", "bytes", info.Bytes, "head", info.Head)
}

func (m *Main) backupKeys(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/octet-stream")
	cw, err := m.backupWriter(w, "key store", m.keys.MapUse)
	if err != nil {
		m.log.Warn("backup of the key store refused", "err", err)
		admin.WriteError(w, http.StatusServiceUnavailable, err)
		return
	}
	n, err := m.keys.BackupNotify(cw, cw.heldUp)
	cw.done()
	if err != nil {
		m.log.Warn("backup of the key store failed", "err", err)
		refuseOrCut(w, cw, err)
		return
	}
	m.log.Info("backed up the key store", "bytes", n)
}

// backupCutAfter arms the cut of a backup that holds up a caller (countingWriter.heldUp): f runs
// after d unless stop is called first. A variable for the tests, which fire the cut themselves.
var backupCutAfter = func(d time.Duration, f func()) (stop func() bool) { return time.AfterFunc(d, f).Stop }

// backupGrowthLimit is how much a file may grow while a backup copies it before the backup is
// cut (countingWriter.checkGrowth): 1 GiB, or less where the file's map has less to spare
// (backupMapMargin). A variable for the tests.
//
// While the backup's read transaction is open, bbolt reuses none of the pages the writes free, so
// the file grows with every commit (some 33 KB a one-event append), by gigabytes in a backup of
// hours under load — disk that stays used — and once it outgrew its map, bbolt maps it anew only
// after every read transaction has ended: every write, and every read begun after it, waits for
// the backup. The map has 10 GiB to spare, at the least, when ledgerd opens the file
// (internal/boltmap): a backup may take a tenth of it, and as much disk at most. A backup to a
// local disk is not cut: it takes seconds to minutes, and would need some 30,000 one-event commits
// meanwhile.
var backupGrowthLimit int64 = 1 << 30

// backupMapMargin is how much of its map's spare room a backup leaves to the writes
// (boltmap.Use.Room): a backup of a file grown so much since ledgerd opened it that its map has
// less than 1 GiB and this to spare (bbolt maps it anew every GiB past its first 10) may let it
// grow only by the rest, and is refused when nothing is left. It covers what the writes add
// between two checks (backupGrowthEvery: a second of them) and one commit's pages. A variable for
// the tests.
var backupMapMargin int64 = 256 << 20

// backupGrowthEvery is how often a backup's file is checked for growth: each check is one short
// read transaction (a remap already waiting for the backup would hold it up too, but the bounds
// are there so that none comes).
const backupGrowthEvery = time.Second

// backupWatchGrowth runs check every backupGrowthEvery, from a goroutine of its own, until check
// reports that there is nothing more to check (the backup cut, or ended) or stop is called. A variable for the tests, which run the
// check themselves.
var backupWatchGrowth = func(check func() bool) (stop func()) {
	tick := time.NewTicker(backupGrowthEvery)
	done := make(chan struct{})
	go func() {
		defer tick.Stop()
		for {
			select {
			case <-tick.C:
				if check() {
					return
				}
			case <-done:
				return
			}
		}
	}()
	var once sync.Once
	return func() { once.Do(func() { close(done) }) }
}

// backupWriter is what a backup of what ("event log", ...) writes its copy to: the response, with
// bounds on how long the copy may hold its read transaction of the file, and on what it may cost
// meanwhile. The transaction keeps bbolt from reusing the pages freed meanwhile (the file grows by
// what is rewritten while the copy runs); a forget, a master-key rotation's rewrite and ledgerd's
// stop wait for a key-store backup begun before them; and bbolt maps a file that outgrew its map
// anew only once every read transaction has ended, every write waiting meanwhile
// (internal/boltmap).
//
//   - Each write may wait -backup-stall-timeout for ledgerctl to take more: a reader that
//     stopped taking the copy — ledgerctl stopped (Ctrl-Z), writing to a hung disk or pipe — is
//     cut.
//   - Once a caller waits for the copy to end (heldUp: a forget), the copy gets as long more —
//     but at most half -http-write-timeout (backupHoldGrace) — however its reader goes on: a
//     reader that takes a trickle (a byte every so often, a slow link) would otherwise hold the
//     forget up for as long as the copy takes, hours for a large key store.
//   - Once the file has grown by more than backupGrowthLimit since the copy began (use: the
//     store's MapUse), or by more than its map had to spare then less backupMapMargin, the copy is
//     cut, however its reader goes on: past the map's end every write would wait for it. A file
//     whose map has no more than backupMapMargin to spare is not copied (the error).
//
// A backup nobody waits for, during which the file grows little, may take as long as its reader
// does, however slowly.
func (m *Main) backupWriter(w http.ResponseWriter, what string, use func() (boltmap.Use, error)) (*countingWriter, error) {
	c := &countingWriter{w: w, rc: http.NewResponseController(w), stall: m.Options.BackupStallTimeout, grace: m.backupHoldGrace(), log: m.log, what: what}
	start, err := use()
	if err != nil {
		return nil, err
	}
	c.use, c.start, c.limit = use, start, backupGrowthLimit
	if start.Room >= 0 {
		c.limit = min(c.limit, start.Room-backupMapMargin)
	}
	if c.limit <= 0 {
		return nil, fmt.Errorf("the %s's file has grown so much since ledgerd opened it that its memory map has %s to spare, and a backup must leave %s of it to the writes: a backup now could make every write of the service wait for it; restart ledgerd (it maps the file with 10 GiB to spare), then take the backup", what, sizeOf(start.Room), sizeOf(backupMapMargin))
	}
	c.stopWatch = backupWatchGrowth(c.checkGrowth)
	return c, nil
}

// backupHoldGrace is how long a backup may still take once a caller waits for it to end:
// -backup-stall-timeout, but at most half -http-write-timeout — a forget waits for a key-store
// backup begun before it, and its answer must still be written within the API's write timeout
// (30s by default, where the stall bound is 1m): a forget answered after it is done but its
// client gets no answer, and sends it again.
func (m *Main) backupHoldGrace() time.Duration {
	g := m.Options.BackupStallTimeout
	if wt := m.Options.HTTP.WriteTimeout / 2; wt > 0 && wt < g {
		g = wt
	}
	return g
}

// countingWriter counts what a backup has written of its copy, and bounds how long the copy may
// take and how much its file may grow meanwhile (backupWriter): the one place that cuts a backup.
type countingWriter struct {
	w     io.Writer
	rc    *http.ResponseController
	stall time.Duration // how long each write may wait
	grace time.Duration // how long the copy may still take once a caller waits for it (heldUp)
	log   *slog.Logger
	what  string
	n     int64

	use       func() (boltmap.Use, error) // the file's pages and its map's room
	start     boltmap.Use                 // use as the copy began
	limit     int64                       // how much the pages may grow during the copy
	stopWatch func()                      // stops the growth checks (backupWatchGrowth)

	mu       sync.Mutex // guards what follows, and the write deadline's setting
	heldBy   string     // what waits for the copy to end ("a forget"), once one does
	cutWhy   string     // why the copy was cut, once it is: every write fails
	stopCut  func() bool
	finished bool // done: the copy is written
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.mu.Lock()
	if c.cutWhy != "" {
		c.mu.Unlock()
		return 0, c.cutError(os.ErrDeadlineExceeded)
	}
	if c.rc != nil && c.stall > 0 {
		_ = c.rc.SetWriteDeadline(time.Now().Add(c.stall))
	}
	c.mu.Unlock()
	n, err := c.w.Write(p)
	c.mu.Lock()
	c.n += int64(n)
	cut := c.cutWhy != ""
	c.mu.Unlock()
	if errors.Is(err, os.ErrDeadlineExceeded) {
		if cut {
			return n, c.cutError(err)
		}
		err = fmt.Errorf("cut: ledgerctl took nothing of the copy for %v (-backup-stall-timeout; a stopped ledgerctl, or its disk or pipe stuck), and the backup may not hold the file's read transaction longer: %w", c.stall, err)
	}
	return n, err
}

// cutError is the error of a copy cut (c.cutWhy says why).
func (c *countingWriter) cutError(err error) error {
	c.mu.Lock()
	why := c.cutWhy
	c.mu.Unlock()
	return fmt.Errorf("cut: %s; take the backup again, to a local disk (then copy the file where it goes): %w", why, err)
}

// heldUp is told that by ("a forget") waits for the copy to end: the copy gets grace more, then
// it is cut.
func (c *countingWriter) heldUp(by string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.finished || c.heldBy != "" {
		return
	}
	c.heldBy = by
	c.log.Info("a backup holds up a caller waiting for it to end: it is cut unless it ends in time", "backup", c.what, "waiting", by, "bytes", c.n, "within", c.grace)
	why := fmt.Sprintf("%s has waited for this backup for %v (-backup-stall-timeout, at most half -http-write-timeout), and a backup may hold it up no longer, however slowly ledgerctl goes on taking the copy", by, c.grace)
	c.stopCut = backupCutAfter(c.grace, func() { c.cut(why) })
}

// checkGrowth cuts the copy once its file has grown by more than c.limit since the copy began,
// and reports whether there is nothing more to check: the copy cut, or ended.
func (c *countingWriter) checkGrowth() bool {
	now, err := c.use()
	if err != nil { // the store closed: the copy has ended (bbolt closes a file once its reads have)
		return true
	}
	grown := now.Used - c.start.Used
	if grown <= c.limit {
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.finished || c.cutWhy != ""
	}
	bound := sizeOf(c.limit)
	if c.limit < backupGrowthLimit {
		bound += fmt.Sprintf(", less than %s: the file's memory map had %s to spare as the backup began, %s of it kept for the writes", sizeOf(backupGrowthLimit), sizeOf(c.start.Room), sizeOf(backupMapMargin))
	}
	return c.cut(fmt.Sprintf("the %s's file has grown by %s since this backup began (from %s; the bound is %s): while a backup runs, bbolt reuses none of the pages the writes free, and once the file outgrew its memory map every write of the service would wait for the backup to end",
		c.what, sizeOf(grown), sizeOf(c.start.Used), bound))
}

// sizeOf writes n bytes for a person: "1.5 GiB", "300 KiB".
func sizeOf(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	default:
		return fmt.Sprintf("%d KiB", n>>10)
	}
}

// cut makes the copy's writes fail, for why: the one in progress at once (a write deadline past),
// every later one before it writes. It reports whether the copy is cut (false: it was written
// first).
func (c *countingWriter) cut(why string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.finished {
		return true // nothing left to cut or to check
	}
	if c.cutWhy == "" {
		c.cutWhy = why
	}
	if c.rc != nil {
		_ = c.rc.SetWriteDeadline(time.Unix(1, 0))
	}
	return true
}

// done ends the copy's bounds once it is written (or failed): a cut armed is stopped, the growth
// checks too, and the write deadline lifted — the connection may serve other requests after it,
// and a copy whose read transaction ended holds nothing up any more.
func (c *countingWriter) done() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.finished = true
	if c.stopCut != nil {
		c.stopCut()
	}
	if c.stopWatch != nil {
		c.stopWatch()
	}
	if c.rc != nil { // a copy cut is aborted (refuseOrCut); one written whole before its cut is answered whole
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
