// Package httpapi serves the ledger's REST API (SPEC §3): the PayEx-style Ledger Customer API
// under /ledger/customer/v1/{ledgerNo}/..., with problem responses (SPEC §8), bearer-token auth
// (SPEC §2), hypermedia operations and ETags.
package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/httpapi/auth"
	"github.com/nordledger/ledger/internal/app"
	"github.com/nordledger/ledger/internal/tracing"
	"go.opentelemetry.io/otel/trace"
)

// Ledgers looks up a ledger's configuration.
type Ledgers interface {
	Ledger(ledgerNo string) (domain.LedgerPolicy, bool)
}

// Commands executes commands (implemented by *app.Handler).
type Commands interface {
	Create(ctx context.Context, p domain.LedgerPolicy, cmd domain.CreateCustomer, meta app.Meta) (app.Result, error)
	Execute(ctx context.Context, ledgerNo, customerNo string, ifMatch app.Match, meta app.Meta, decide app.Decision) (app.Result, error)
	ForgetIf(ctx context.Context, p domain.LedgerPolicy, customerNo string, pre app.Precondition, meta app.Meta) (app.Result, error)
}

// Customers reads the customer read model (implemented by *projections.Customers).
type Customers interface {
	Customer(ctx context.Context, ledgerNo, customerNo string) (domain.CustomerState, bool, error)
	FindByNationalID(ctx context.Context, ledgerNo string, ni domain.NationalIdentifier) (string, bool, error)
}

// Waiter waits until the read models include a global position (read-your-writes).
type Waiter interface {
	WaitFor(ctx context.Context, position uint64) error
}

// Verifier verifies bearer tokens (implemented by *auth.Verifier). VerifyContext stops waiting
// (for a key set it refetches) when ctx, the request's, ends, with an error matching ctx.Err();
// every other error is an invalid token.
type Verifier interface {
	VerifyContext(ctx context.Context, token string) (auth.Principal, error)
}

// Config configures a Server. Every field without a stated default is required.
type Config struct {
	Ledgers   Ledgers
	Commands  Commands
	Customers Customers
	Waiter    Waiter
	Verifier  Verifier
	// Ready reports whether the service can serve (store open, projections caught up); nil = ready.
	Ready func(ctx context.Context) error
	// Degraded reports a part that does not work while the service still serves (a stuck relay:
	// writes are stored, the log is the outbox); /readyz then answers 200 with status "degraded"
	// and the error as detail. nil = never degraded.
	Degraded func(ctx context.Context) error
	// Details adds detail to /readyz (e.g. the relay's lag); nil adds none. private is true when
	// the caller holds a valid token: only then may it hold text that can name internal
	// addresses, file paths or ids (an error's text, a reader's id).
	Details func(private bool) map[string]any
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Logger (default slog.Default()). Never logs personal data.
	Logger *slog.Logger
	// WriteTimeout bounds how long a write waits for its effect to be readable, and a read for the
	// read models to reach ReadFloor (default 10s).
	WriteTimeout time.Duration
	// ReadFloor is the log's head when the service started: reads wait until the read models have
	// reached it, so a restarted service never answers from a half-built read model (503 if that
	// takes longer than WriteTimeout). A reader whose read models are reset at runtime moves it
	// (Server.ResetReadFloor).
	ReadFloor uint64
	// ReadOnly makes the server a read replica: every route that changes something answers 421
	// read-only-replica naming WriterURL, and Commands may be nil.
	ReadOnly bool
	// WriterURL is the base URL of the writer, named to clients a read replica turns away.
	WriterURL string
	// Merchants are the Connect client API's merchants by merchant id; nil serves none (every
	// merchant is unknown). Each merchant's ledger must be one of Ledgers.
	Merchants map[string]ConnectMerchant
	// Lookups records every Connect customer-details look-up; required when Merchants is not empty.
	Lookups LookupRecorder
	// PopulationRegister serves update-legal-address-from-population-register and
	// generate-consumer-customer-by-reg-no; nil: they answer 503 and are never offered.
	PopulationRegister PopulationRegister
	// Audit serves the audit routes (/events, /customers/{no}/events) and time travel (asOf,
	// asOfVersion); nil answers them 404 not-found.
	Audit Audit
	// Personal opens the sealed personal members of the events the audit routes show; nil shows
	// events as stored.
	Personal EventOpener
	// PersonalData discloses the personal data of events to the consumers an operator granted
	// it to, and lists a customer's disclosures (personal_data.go); nil answers those routes 404
	// (a read replica: 421, naming the writer).
	PersonalData PersonalData
	// CardVerifier is the card-verification provider of recurring-card registrations
	// (card_verification.go); nil: starting a registration answers 503. When it implements
	// CardVerifierPages its requests are served on the card-verification routes
	// (RouteSandboxPage, RouteSandboxStylesheet, RouteCardVerificationCallback).
	CardVerifier CardVerifier
	// CardRegistrations finds registrations by id for the provider's requests; required with a
	// CardVerifier on a writer.
	CardRegistrations CardRegistrationIndex
	// CardRegistrationTTL is how long a registration may stay Initialized before it expires
	// (default DefaultCardRegistrationTTL).
	CardRegistrationTTL time.Duration
	// Metrics serves GET /metrics (no token); nil answers 404.
	Metrics http.Handler
	// Observer is told of every request (for metrics); nil observes nothing.
	Observer Observer
	// HTTPWriteTimeout is the HTTP server's write timeout (http.Server.WriteTimeout), which
	// net/http counts from the end of a request's headers: the server counts it again from the
	// end of the body (limits.go), so a body that arrived slowly leaves its write the time to be
	// answered. 0: the HTTP server's deadline stands.
	HTTPWriteTimeout time.Duration
	// MaxBodyBytes is the largest request body accepted; a larger one is a 413 problem (default
	// DefaultMaxBodyBytes).
	MaxBodyBytes int64
	// TracerProvider records each request's span, and through it the spans of what the request
	// causes (trace.go); nil records none, but requests still continue or start a W3C trace
	// (traceresponse, and the trace context stored with events).
	TracerProvider trace.TracerProvider
}

// Validate reports every missing field at once.
func (c Config) Validate() error {
	var errs []error
	if c.Ledgers == nil {
		errs = append(errs, errors.New("httpapi: Ledgers is required"))
	}
	if c.Commands == nil && !c.ReadOnly {
		errs = append(errs, errors.New("httpapi: Commands is required"))
	}
	if c.Customers == nil {
		errs = append(errs, errors.New("httpapi: Customers is required"))
	}
	if c.Waiter == nil {
		errs = append(errs, errors.New("httpapi: Waiter is required"))
	}
	if c.Verifier == nil {
		errs = append(errs, errors.New("httpapi: Verifier is required"))
	}
	if c.CardVerifier != nil && !c.ReadOnly && c.CardRegistrations == nil {
		errs = append(errs, errors.New("httpapi: CardRegistrations is required with a CardVerifier"))
	}
	errs = append(errs, c.validateMerchants()...)
	return errors.Join(errs...)
}

// Server is the HTTP API.
type Server struct {
	cfg        Config
	log        *slog.Logger
	now        func() time.Time
	handler    http.Handler
	registered []Route // routes.go, documents.go
	// floor is the read floor reads wait for: ReadFloor at start, replaced by ResetReadFloor when
	// a reader's read models are reset at runtime. Its reached latch is set once the read models
	// reached it: positions only grow until the next reset, so later reads need not wait (a
	// timeout context per GET was 5% of its CPU) — a read that is caught up costs two atomic loads.
	floor atomic.Pointer[readFloor]
	// wasReady is set once /readyz answered 200: its 503s are logged at debug before (starting),
	// as warnings after.
	wasReady atomic.Bool
	tracer   trace.Tracer // the requests' spans (trace.go)
}

// readFloor is a position reads wait for, and whether the read models reached it.
type readFloor struct {
	at      uint64
	reached atomic.Bool
}

// ResetReadFloor is called when the read models were reset at runtime and are rebuilt from the
// start (a reader replica whose read models held events the stream no longer has): reads then
// wait, as at start, until the read models reach at, the stream's end when they were reset
// (503 "being rebuilt" if that takes longer than WriteTimeout). 0: nothing to wait for. A writer
// never calls it.
func (s *Server) ResetReadFloor(at uint64) {
	s.floor.Store(&readFloor{at: at})
}

// New returns a Server.
func New(cfg Config) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = 10 * time.Second
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	s := &Server{cfg: cfg, log: slog.New(tracing.LogHandler(cfg.Logger.Handler())), now: cfg.Now,
		tracer: tracing.Provider(cfg.TracerProvider).Tracer(tracing.Scope)}
	s.floor.Store(&readFloor{at: cfg.ReadFloor})
	s.handler = s.limitBody(s.middleware(s.routes()))
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }
