package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/nordledger/ledger/httpapi"
	"github.com/nordledger/ledger/httpapi/cardverify"
	"github.com/nordledger/ledger/internal/app"
	"github.com/nordledger/ledger/internal/tracing"
	"github.com/nordledger/ledger/projections"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// expiryActor is the actor of the expiries ledgerd records on its own.
const expiryActor = "ledgerd/card-registration-expiry"

// publicURL is the base URL ledgerd is reached by: the configured one, or http:// and the
// listen address (an unspecified address as 127.0.0.1).
func (m *Main) publicURL() string {
	if u := m.Options.PublicURL; u != "" {
		return strings.TrimSuffix(u, "/")
	}
	host, port, err := net.SplitHostPort(m.listener.Addr().String())
	if err != nil {
		return "http://" + m.listener.Addr().String()
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// configureConsents sets up recurring-card registrations on a writer: the card-verification
// provider, the registration index, the expiry time and the expiry of registrations left
// Initialized. A reader needs none of it (it sends the provider's requests to the writer).
func (m *Main) configureConsents(ctx context.Context, cfg *httpapi.Config, key []byte, customers *projections.Customers) error {
	o := m.Options
	verifier, err := cardverify.Open(cardverify.Config{
		Provider: o.CardVerification, PublicURL: m.publicURL(), Key: deriveKey(key, "ledgerd card-verification sandbox form key"),
		Token: o.CardVerificationToken, CallbackSecret: []byte(o.CardVerificationCallbackSecret), Timeout: o.CardVerificationTimeout,
	})
	if err != nil {
		return err
	}
	cfg.CardVerifier, cfg.CardRegistrations, cfg.CardRegistrationTTL = verifier, customers, o.CardRegistrationTTL
	handler, ok := cfg.Commands.(*app.Handler)
	if !ok {
		return fmt.Errorf("card registrations: the writer has no command handler")
	}
	m.expiry = &cardExpiry{handler: handler, customers: customers, now: m.clock, log: m.log, tracer: m.tracing.Provider.Tracer(tracing.Scope)}
	interval := min(max(o.CardRegistrationTTL/10, time.Second), time.Minute)
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		m.expiry.run(ctx, interval)
	}()
	return nil
}

// clock is the API's clock (Main.Now, or the wall clock).
func (m *Main) clock() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

// deriveKey derives a purpose's key from ledgerd's key file.
func deriveKey(key []byte, purpose string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(purpose))
	return h.Sum(nil)
}

// cardExpiry records RecurringCardRegistrationAborted (reason expired) for registrations left
// Initialized past their expiry time. Reads already show them Aborted from that time on (the
// domain's StatusAt); the event makes the log say so, and lets subscribers know.
type cardExpiry struct {
	handler   *app.Handler
	customers *projections.Customers
	now       func() time.Time
	log       *slog.Logger
	tracer    trace.Tracer // each expiry is a trace of its own (spanExpiry)
}

// spanExpiry is the span of one registration's expiry recorded by the sweep: the entry of its
// trace, the trace context its event records.
const spanExpiry = "ledgerd.expire_card_registration"

// run sweeps every interval until ctx ends.
func (e *cardExpiry) run(ctx context.Context, interval time.Duration) {
	every(ctx, interval, func() {
		if _, err := e.sweep(ctx); err != nil && ctx.Err() == nil {
			e.log.Warn("recording expired card registrations", "err", err)
		}
	})
}

// sweepBatch bounds the registrations one pass of sweep expires.
const sweepBatch = 1000

// sweep records the expiry of every registration expired at the clock's now and returns how
// many it recorded; the read models hold them when it returns (each command returns then).
func (e *cardExpiry) sweep(ctx context.Context) (int, error) {
	now := e.now().UTC()
	// The pass is the cause of the expiries it records (their causationId); each has a
	// correlation id of its own.
	pass := uuid.Must(uuid.NewV7()).String()
	total := 0
	for {
		refs, err := e.customers.ExpiredCardRegistrations(ctx, now, sweepBatch)
		if err != nil || len(refs) == 0 {
			return total, err
		}
		recorded := 0
		for _, ref := range refs {
			// The span's context is the trace context the event records (app.Meta).
			sctx, span := tracing.StartEntry(ctx, e.tracer, spanExpiry, trace.WithNewRoot())
			meta := app.Meta{Actor: expiryActor, CorrelationID: uuid.Must(uuid.NewV7()).String(), CausationID: pass, Time: now, Command: "expireCardRegistration"}
			res, err := e.handler.Execute(sctx, ref.LedgerNo, ref.CustomerNo, nil, meta, app.ExpireCardRegistration(ref.RegistrationID, now))
			if err != nil {
				span.SetStatus(codes.Error, "not recorded")
			}
			span.End()
			if err != nil {
				return total, fmt.Errorf("expiring a registration of %s/%s: %w", ref.LedgerNo, ref.CustomerNo, err)
			}
			if res.Changed {
				recorded++
			}
		}
		total += recorded
		if recorded == 0 {
			return total, nil // nothing more to record (the rest were not expired after all)
		}
		if len(refs) < sweepBatch {
			return total, nil
		}
	}
}
