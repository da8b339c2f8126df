package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/eventstore/personal"
	"github.com/nordledger/ledger/eventstore/personal/disclosure"
	"github.com/nordledger/ledger/eventstore/personal/keysync"
	"github.com/nordledger/ledger/httpapi"
	"github.com/nordledger/ledger/httpapi/auth"
	"github.com/nordledger/ledger/httpapi/popreg"
	"github.com/nordledger/ledger/internal/app"
	"github.com/nordledger/ledger/internal/datadir"
	"github.com/nordledger/ledger/internal/tracing"
	"github.com/nordledger/ledger/projections"
	"go.opentelemetry.io/otel/trace"
)

// Main is the ledgerd program: ParseFlags, Run, then Close. Tests run it in-process on port 0.
type Main struct {
	Options Options
	// Stdout receives the development token banner (default os.Stdout); LogOutput the logs
	// (default os.Stderr).
	Stdout, LogOutput io.Writer
	// Now is the API's clock (nil: time.Now): event times and KYC renewal. Tests move it.
	Now func() time.Time
	// TracerProvider, when set, records ledgerd's spans instead of what the OTEL_* environment
	// variables configure (tracing.go): tests record them in memory.
	TracerProvider trace.TracerProvider

	log     *slog.Logger
	logBuf  *logBuffer          // the log's output, buffered (logbuffer.go)
	getenv  func(string) string // the environment ParseFlags read (nil: os.Getenv)
	tracing tracingSetup        // tracing.go
	metrics *metrics            // metrics_observe.go
	store   *eventstore.Store
	keys    *personal.Store // a writer's key store (personal.go)
	// forgets tells when the log's head may be recorded as reconciled (reconcile_mark.go)
	forgets         interface{ ForgetsSettled() bool }
	reconcileMarked atomic.Uint64 // the head markReconciled recorded last
	// disclosures holds a writer's grants of personal data to consumers (consumers.go)
	disclosures *disclosure.Store
	ledgers     ledgers         // the configured ledgers: a grant names one of them (consumers.go)
	keyBus      *keysync.Source // a reader's keys
	pd          *personal.Protector
	projDB      *projections.DB
	runner      *projections.Runner
	verifier    *auth.Verifier
	bus         *bus
	reader      *reader
	api         *httpapi.Server
	expiry      *cardExpiry // records expired card registrations (a writer's; consents.go)
	http        *http.Server
	pprof       *http.Server
	pprofAddr   string
	listener    net.Listener
	// the admin socket (admin.go)
	admin         *http.Server
	adminListener net.Listener

	cancel context.CancelFunc
	wg     sync.WaitGroup
	token  string
	fatal  chan error // a part started in the background failed (Fatal; made by NewMain)
}

// NewMain returns a Main with default outputs.
func NewMain() *Main {
	return &Main{Stdout: os.Stdout, LogOutput: os.Stderr, fatal: make(chan error, 1)}
}

// Fatal receives the error of a part that failed after Run returned, while starting in the
// background (the embedded NATS server, bus.go): ledgerd cannot go on and should Close and exit.
func (m *Main) Fatal() <-chan error { return m.fatal }

// fail reports a fatal error of a background part (the first one only).
func (m *Main) fail(err error) {
	m.log.Error("ledgerd cannot go on", "err", err)
	select {
	case m.fatal <- err:
	default:
	}
}

// Addr returns the HTTP address the service listens on (after Run).
func (m *Main) Addr() string { return m.listener.Addr().String() }

// DevToken returns the development token minted at start ("" when tokens come from elsewhere).
func (m *Main) DevToken() string { return m.token }

// Run opens the stores, starts the projections and serves HTTP. It returns once serving; with
// ctx's error, having opened nothing, when ctx has ended already. What it starts runs with ctx's
// values until Close, not until ctx ends: Close stops it in order (the HTTP server first, the
// stores last).
func (m *Main) Run(ctx context.Context) (err error) {
	if err := ctx.Err(); err != nil {
		return err
	}
	o := m.Options
	m.logBuf = newLogBuffer(m.LogOutput)
	m.log = newLogger(m.logBuf, o.LogFormat, o.LogLevel)
	m.warnIgnored() // flags_role.go
	m.metrics = newMetrics()
	if err := m.startTracing(); err != nil { // tracing.go
		return err
	}
	if err := os.MkdirAll(o.DataDir, 0o700); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	lf := DefaultLedgers()
	if o.ConfigFile != "" {
		if lf, err = LoadLedgerFile(o.ConfigFile); err != nil {
			return err
		}
	}
	resKey, err := m.key()
	if err != nil {
		return err
	}

	ctx, m.cancel = context.WithCancel(context.WithoutCancel(ctx))
	if m.verifier, err = m.openVerifier(ctx, lf); err != nil {
		return err
	}
	if m.pd, err = m.openPersonal(); err != nil {
		return err
	}
	if m.projDB, err = projections.OpenDB(m.dir().File(datadir.Projections)); err != nil {
		return err
	}
	set := projections.NewSet(m.projDB, datadir.NatID(resKey)).Protect(m.pd)
	customers, audit := set.Customers, set.Audit
	if m.runner, err = projections.NewRunner(m.projDB, m.log, set.All()...); err != nil {
		return err
	}
	// Readers open it too: they serve no register operation, but offer the same operations as
	// the writer, so their GETs equal the writer's.
	register, err := popreg.Open(o.PopulationRegister, o.PopulationRegisterTimeout)
	if err != nil {
		return err
	}
	m.ledgers = lf.policies()
	cfg := httpapi.Config{
		Ledgers: m.ledgers, Customers: customers, Audit: auditIndex{audit}, Waiter: m.runner,
		Verifier: m.verifier, Ready: m.ready, Degraded: m.degraded, Details: m.details, Logger: m.log,
		Merchants: lf.merchants(), Now: m.Now, PopulationRegister: register, MaxBodyBytes: o.HTTP.MaxBodyBytes,
		WriteTimeout: o.HTTP.ReadModelWait, HTTPWriteTimeout: o.HTTP.WriteTimeout, Personal: eventOpener{m.pd}, TracerProvider: m.tracing.Provider,
	}
	// Listening first: the card-verification provider's URLs name the address.
	if m.listener, err = net.Listen("tcp", o.HTTPAddr); err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	if o.Role == RoleReader {
		// The customers forgotten before a restart stay forgotten in the key source, whatever the
		// key bus still holds (projections.Set.EvictForgotten). (A writer needs no such step: its
		// key store's Reconcile destroys their keys before it serves.)
		n, err := set.EvictForgotten(ctx)
		if err != nil {
			return fmt.Errorf("evicting the keys of forgotten customers: %w", err)
		}
		if n > 0 {
			m.log.Debug("holding the keys of forgotten customers as destroyed", "count", n)
		}
		if cfg.ReadFloor, err = m.startReader(ctx, resKey); err != nil {
			return err
		}
		cfg.ReadOnly, cfg.WriterURL = true, o.WriterURL
		cfg.Customers = keyCheckedCustomers{customers, m.reader}
	} else if err := m.startWriter(ctx, resKey, &cfg, customers); err != nil {
		return err
	} else if err := m.configureConsents(ctx, &cfg, resKey, customers); err != nil {
		return err
	} else if err := m.startAdmin(); err != nil {
		return err
	}
	cfg.Metrics, cfg.Observer = m.metricsHandler(), m.metrics
	api, err := httpapi.New(cfg)
	if err != nil {
		return err
	}
	m.api = api
	if m.reader != nil {
		// A reset of the read models from now on moves the read floor; one made since startReader
		// (the feed's first Resume) is applied here. Either this sees it or the reset sees the setter.
		set := api.ResetReadFloor
		m.reader.resetFloor.Store(&set)
		if rb := m.reader.rebuild.Load(); rb != nil {
			api.ResetReadFloor(rb.until)
		}
	}
	m.http = m.newHTTPServer(api) // every route, /metrics and the API documents included
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		if err := m.http.Serve(m.listener); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.log.Error("http server stopped", "err", err)
		}
	}()
	if err := m.startPprof(); err != nil {
		return err
	}
	m.log.Info("ledgerd listening", "role", o.Role, "addr", m.Addr(), "dataDir", o.DataDir, "ledgers", len(lf.Ledgers))
	if m.token != "" && o.PrintToken {
		fmt.Fprintf(m.Stdout, "\nDevelopment token (ledgers %s, every scope, valid 24h):\n\n%s\n\nTry: curl -H \"Authorization: Bearer $TOKEN\" http://%s/ledger/customer/v1/1000/customers/9999\n(404 until customer 9999 is created: the README's Routes section creates it)\n\n",
			ledgerList(lf), m.token, m.Addr())
	}
	return nil
}

// key returns the national-identifier key: a writer creates it when missing; a reader must be
// given the writer's.
func (m *Main) key() ([]byte, error) {
	path := m.dir().KeyFilePath()
	if m.Options.Role == RoleReader {
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("key file: a reader needs the writer's key (LEDGERD_KEY_FILE): %w", err)
		}
	}
	key, _, err := datadir.EnsureSecret(path)
	if err != nil {
		return nil, fmt.Errorf("key file: %w", err)
	}
	return key, nil
}

// startWriter opens the event log, feeds the read models from it and starts publishing on NATS.
func (m *Main) startWriter(ctx context.Context, key []byte, cfg *httpapi.Config, customers *projections.Customers) error {
	var err error
	// The commit pipeline (docs/architecture.md, "Write path"): each group's new data keys are
	// committed before its events, and its events applied to the read models before its appends
	// are answered. The runner catches up with the log first.
	opts := eventstore.Options{Observer: m.metrics, Applier: m.runner}
	if m.keys != nil {
		opts.Prepare = m.keys.CommitPending
	}
	if m.store, err = eventstore.Open(m.dir().File(datadir.Events), opts); err != nil {
		return err
	}
	if from := m.store.UpgradedFrom(); from != 0 {
		m.log.Info("upgraded the event log to a new store format (older ledgerd versions cannot open it)",
			"file", m.store.Path(), "from", from, "to", eventstore.StoreFormat)
	}
	if err := m.reconcileKeys(ctx); err != nil {
		return err
	}
	handler, err := app.New(m.store, app.Config{ReservationKey: key, Protector: m.pd, Keys: m.keys, Snapshots: customers})
	if err != nil {
		return err
	}
	cfg.Commands, cfg.Lookups, m.forgets = handler, handler, handler
	m.startReconcileMarks(ctx)
	if err := m.openDisclosures(cfg); err != nil {
		return err
	}
	m.startDisclosurePruning(ctx)
	if cfg.ReadFloor, err = m.store.Head(ctx); err != nil {
		return err
	}
	return m.startBus(ctx, key)
}

// openVerifier configures token verification; without a configured secret or JWKS URL it uses a
// secret kept in the data dir and mints a development token for every configured ledger.
func (m *Main) openVerifier(ctx context.Context, lf LedgerFile) (*auth.Verifier, error) {
	o := m.Options
	cfg := auth.Config{JWKSURL: o.JWKSURL, Issuer: o.JWTIssuer, Audience: o.JWTAudience, Leeway: o.JWTLeeway,
		Logger: m.log} // failed JWK Set refreshes go to ledgerd's log, not slog's default
	if o.JWTSecret != "" {
		cfg.HS256Secret = []byte(o.JWTSecret)
	} else if o.JWKSURL == "" {
		path := m.dir().File(datadir.JWTSecret)
		secret, created, err := datadir.EnsureSecret(path)
		if err != nil {
			return nil, fmt.Errorf("jwt secret: %w", err)
		}
		if created {
			m.log.Info("generated a development JWT secret", "file", path)
		}
		cfg.HS256Secret = secret
		var nos []string
		for _, l := range lf.Ledgers {
			nos = append(nos, l.LedgerNo)
		}
		tok, err := auth.MintHS256(secret, auth.Claims{Subject: "developer", Ledgers: nos, Scopes: auth.AllScopes, TTL: 24 * time.Hour,
			Issuer: o.JWTIssuer, Audience: o.JWTAudience}, time.Now())
		if err != nil {
			return nil, err
		}
		m.token = tok
	}
	return auth.NewVerifier(ctx, cfg)
}

func ledgerList(lf LedgerFile) string {
	s := ""
	for i, l := range lf.Ledgers {
		if i > 0 {
			s += ", "
		}
		s += l.LedgerNo
	}
	return s
}

// ready reports whether the projections have caught up with the log (a reader: with the stream).
func (m *Main) ready(ctx context.Context) error {
	if err := m.runner.Err(); err != nil {
		return fmt.Errorf("projections stopped: %w", err)
	}
	if m.reader != nil {
		if err := m.keyBus.CheckMasterKeys(); err != nil {
			return err
		}
		return m.reader.ready(ctx, m.runner.Position())
	}
	head, err := m.store.Head(ctx)
	if err != nil {
		return err
	}
	if pos := m.runner.Position(); pos < head {
		return fmt.Errorf("projections at position %d of %d", pos, head)
	}
	if err := m.runner.Unwritten(); err != nil {
		return fmt.Errorf("projections cannot be written: %w", err)
	}
	return nil
}

// NATSURL returns the URL of the NATS server events are published to (after Run); on a writer
// with the embedded server it waits until the server is up ("" if it failed to start).
func (m *Main) NATSURL() string {
	if m.bus.up != nil {
		<-m.bus.up
	}
	return m.bus.url
}

// details is the /readyz detail: the projections' and the relay's positions; the reader's id
// and the relay's last error only for a caller with a valid token (private).
func (m *Main) details(private bool) map[string]any {
	d := map[string]any{"role": m.Options.Role, "projectionsPosition": m.runner.Position()}
	if m.reader != nil {
		d["streamLastSequence"] = m.reader.lastSeq.Load()
		if private {
			d["readerId"] = m.reader.id
		}
	}
	if m.reader == nil && m.store != nil {
		d["relay"] = m.relayDetails(private)
	}
	return d
}

// Close stops accepting requests, lets in-flight ones finish (up to the shutdown grace), stops the
// projections and closes the stores.
func (m *Main) Close() error {
	var errs []error
	if m.http != nil {
		ctx, cancel := context.WithTimeout(context.Background(), m.Options.ShutdownGrace)
		if err := m.http.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("http shutdown: %w", err))
		}
		cancel()
	} else if m.listener != nil {
		m.listener.Close() // Run failed before serving
	}
	m.stopAdmin()
	if m.pprof != nil {
		m.pprof.Close()
	}
	if m.cancel != nil {
		m.cancel()
	}
	m.wg.Wait()
	if m.bus != nil {
		m.bus.close()
	}
	if m.verifier != nil {
		m.verifier.Close()
	}
	m.markReconciled()  // reconcile_mark.go: the next start need not read this run's events again
	if m.store != nil { // first: its pipeline's last groups are applied to the read models
		errs = append(errs, m.store.Close())
	}
	if m.projDB != nil {
		errs = append(errs, m.projDB.Close())
	}
	if m.keys != nil {
		errs = append(errs, m.keys.Close())
	}
	if m.disclosures != nil {
		errs = append(errs, m.disclosures.Close())
	}
	errs = m.warnNotMarkedClean(errs) // shutdown.go
	m.stopTracing()                   // tracing.go: the spans still buffered are exported
	if m.logBuf != nil {
		m.logBuf.Close() // a log that cannot be written is no reason to fail the close
	}
	return errors.Join(errs...)
}

// newLogger returns the logger writing to buf (logbuffer.go) in format at level.
func newLogger(buf *logBuffer, format, level string) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(level))
	opts := &slog.HandlerOptions{Level: lvl}
	var h slog.Handler = slog.NewTextHandler(buf, opts)
	if format == "json" {
		h = slog.NewJSONHandler(buf, opts)
	}
	return slog.New(tracing.LogHandler(flushingHandler{Handler: h, buf: buf})) // traceId and spanId of the span logged in
}

// every calls fn every interval until ctx ends (not at once: the first call after interval).
func every(ctx context.Context, interval time.Duration, fn func()) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			fn()
		}
	}
}
