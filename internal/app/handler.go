// Package app is the ledger's application layer: the use cases — every command on a customer,
// its creation, forgetting it, recording a look-up — run against the event log. A command loads
// the customer's stream, rebuilds the aggregate (package domain), lets it decide, seals the
// decided events' personal members and appends them with the loaded version as the expected
// version, retrying the whole load-decide-append when another writer got there first. Unique
// national identifiers are enforced by the log's reservations in the same transaction as the
// events.
//
// It depends on ports it declares (EventLog, Snapshots, KeyDestroyer), which the adapters
// implement (*eventstore.Store, *projections.Customers, *personal.Store), and is driven by the
// HTTP API (httpapi) and ledgerd's background work; only cmd/* wires them.
package app

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/eventstore/personal"
	"github.com/nordledger/ledger/internal/tracing"
)

// Meta describes who asked for a change, and why.
type Meta struct {
	Actor         string    // the token's subject
	CorrelationID string    // from X-Correlation-ID
	CausationID   string    // id of the request or message that caused the command
	Time          time.Time // when the command was received
	// TraceParent and TraceState are the W3C trace context of the request (its span), recorded
	// on every event; empty records the context's span (the request's, a sweep's), if any.
	TraceParent, TraceState string
	// Command names the command in traces (the OpenAPI operation id, e.g. "createCustomer"); ""
	// names it after the handler's method.
	Command string
}

// Result describes a command's outcome.
type Result struct {
	CustomerNo string
	Version    uint64 // the stream version after the command
	Position   uint64 // global position of the last event written (0 when nothing changed)
	Changed    bool   // false when the command changed nothing and wrote no event
	// State is the customer exactly as the command left it (at Version): what its caller is
	// answered with, even when other commands have changed the customer since. Create leaves it
	// zero (State.Version 0): nobody is answered with the new customer.
	State domain.CustomerState
}

// Errors of the handler, in addition to *domain.Error from the decisions.
var (
	// ErrPreconditionFailed: the caller's If-Match version is not the customer's version.
	ErrPreconditionFailed = errors.New("commands: precondition failed")
	// ErrTooMuchContention: the stream kept changing under every retry.
	ErrTooMuchContention = errors.New("commands: too much contention on the customer")
)

// Decision decides events from the current customer.
type Decision func(c *domain.Customer) ([]domain.Event, error)

// Config configures a Handler.
type Config struct {
	// ReservationKey is the secret of the keyed hash that turns national identifiers into
	// reservation keys, so no personal value is a storage key in the clear. Required (≥ 32 bytes).
	ReservationKey []byte
	// Retries is how often a command is retried after losing a race with another writer (default 8).
	Retries int
	// Protector seals the personal members of every event before it is stored and opens them
	// when a customer is loaded (docs/data-protection.md). nil stores events in the clear, as
	// before sealing existed: only tests of that old form leave it out.
	Protector *personal.Protector
	// Keys destroys a forgotten customer's data key (the key store, *personal.Store); required
	// for Forget.
	Keys KeyDestroyer
	// Snapshots gives a customer's state as the read models hold it (*projections.Customers):
	// Execute starts from it instead of replaying the customer's stream when it is at the
	// stream's version — which it is whenever the writer's commit pipeline applied the stream's
	// last event — and replays otherwise. nil always replays.
	Snapshots Snapshots
}

// Handler executes commands against the event log. It is safe for concurrent use.
//
// Commands on one customer run one at a time in this process (a striped lock keyed by stream), so
// concurrent changes of one customer queue instead of racing, losing and retrying; commands on
// different customers still run in parallel and share group commits. The expected-version check
// stays the guarantee: the lock only avoids wasted work.
type Handler struct {
	store   EventLog
	key     []byte
	retries int
	pd      *personal.Protector
	keys    KeyDestroyer
	snaps   Snapshots
	locks   [lockStripes]sync.Mutex
	forgets forgetWatch // forget_watch.go
}

const lockStripes = 4096

func (h *Handler) lock(stream string) func() {
	f := fnv.New32a()
	f.Write([]byte(stream))
	m := &h.locks[f.Sum32()%lockStripes]
	m.Lock()
	return m.Unlock
}

// New returns a Handler.
func New(store EventLog, cfg Config) (*Handler, error) {
	if len(cfg.ReservationKey) < 32 {
		return nil, fmt.Errorf("commands: reservation key must be at least 32 bytes")
	}
	if cfg.Retries <= 0 {
		cfg.Retries = 8
	}
	return &Handler{store: store, key: cfg.ReservationKey, retries: cfg.Retries, pd: cfg.Protector, keys: cfg.Keys, snaps: cfg.Snapshots}, nil
}

// NationalIDKey returns the reservation key of a national identifier in a ledger: a keyed hash,
// so the identifier never appears in the clear as a key.
func NationalIDKey(secret []byte, ledgerNo string, ni domain.NationalIdentifier) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ledgerNo + "\x00" + ni.CountryCode + "\x00" + ni.RegNo))
	return "natid/" + ledgerNo + "/" + hex.EncodeToString(m.Sum(nil))
}

// NationalIDKey returns the reservation key of ni in a ledger (see the package function).
func (h *Handler) NationalIDKey(ledgerNo string, ni domain.NationalIdentifier) string {
	return NationalIDKey(h.key, ledgerNo, ni)
}

// Load rebuilds a customer from its stream (a customer that does not exist has Exists() false).
func (h *Handler) Load(ctx context.Context, ledgerNo, customerNo string) (*domain.Customer, error) {
	l, err := loadCustomer(ctx, h.store, h.pd, domain.StreamName(ledgerNo, customerNo), 0, false)
	return l.c, err
}

// LoadCustomer rebuilds a customer from a stream whose events are stored in the clear, up to
// version upTo (0 for all); a sealed event fails (Handler.Load opens them).
func LoadCustomer(ctx context.Context, store StreamReader, stream string, upTo uint64) (*domain.Customer, error) {
	l, err := loadCustomer(ctx, store, nil, stream, upTo, false)
	return l.c, err
}

// current returns the customer as its stream has it now: the read models' state when it is at
// the stream's version (Config.Snapshots), else rebuilt from the stream. The caller holds the
// stream's lock, so the stream does not change meanwhile.
func (h *Handler) current(ctx context.Context, ledgerNo, customerNo, stream string) (loaded, error) {
	if h.snaps != nil {
		version, at, err := h.store.StreamHead(ctx, stream)
		if err != nil {
			return loaded{}, err
		}
		if version == 0 {
			return loaded{c: &domain.Customer{}}, nil
		}
		if st, found, err := h.snaps.Customer(ctx, ledgerNo, customerNo); err == nil && found && st.Version == version {
			return loaded{c: domain.RestoreCustomer(st), at: at}, nil
		}
	}
	return loadCustomer(ctx, h.store, h.pd, stream, 0, false)
}

// loaded is a customer rebuilt from its stream.
type loaded struct {
	c *domain.Customer
	// at is the log position of the last event loaded (0 for none): what a decision on c was
	// decided against, and what the read models must hold before it is answered.
	at uint64
	// plain reports, when asked for, whether an event holds personal data in the clear (stored
	// before sealing existed).
	plain bool
}

// loadCustomer rebuilds a customer from a stream up to version upTo (0 for all), opening sealed
// events with pd. An event whose personal data is erased makes the customer forgotten
// (domain.ForgottenState).
func loadCustomer(ctx context.Context, store StreamReader, pd *personal.Protector, stream string, upTo uint64, checkPlain bool) (loaded, error) {
	l := loaded{c: &domain.Customer{}}
	_, customerNo, _ := domain.ParseStream(stream)
	for from := uint64(1); ; {
		batch, err := store.ReadStream(ctx, stream, from, eventstore.MaxReadLimit)
		if err != nil {
			return loaded{}, err
		}
		for _, e := range batch {
			if upTo > 0 && e.Version > upTo {
				return l, nil
			}
			l.at = e.Position
			ev, opened, err := pd.Decode(ctx, e) // refuses a sealed event without pd
			if err != nil {
				return loaded{}, fmt.Errorf("commands: stream %s version %d: %w", stream, e.Version, err)
			}
			if checkPlain && !l.plain && !l.c.Forgotten() && len(opened.Erased) == 0 {
				l.plain = personal.HasPlainPersonalData(e.Type, e.Data)
			}
			if err := l.c.ApplyStored(customerNo, domain.Recorded{Event: ev, Version: e.Version, Time: e.Time}, len(opened.Erased) > 0); err != nil {
				return loaded{}, err
			}
		}
		if len(batch) < eventstore.MaxReadLimit {
			return l, nil
		}
		from = batch[len(batch)-1].Version + 1
	}
}

// Match is an If-Match precondition: the versions of the customer a command may run on (RFC
// 9110 §13.1.1: the condition holds when any of the listed entity tags is the current one).
// nil is no precondition.
type Match []uint64

// Allows reports whether the precondition holds for a customer at version.
func (m Match) Allows(version uint64) bool { return m == nil || slices.Contains(m, version) }

// Execute runs a decision against an existing customer. ifMatch, when not nil, holds the versions
// the caller accepts: any other current version fails with ErrPreconditionFailed.
// A decision that returns no events succeeds with Changed false.
//
// Execute returns once its answer is readable: the events it appended are durable and applied to
// the read models (the event log's commit pipeline), and an answer decided without appending —
// nothing changed, a refusal — once the read models hold everything it was decided against
// (eventstore.Store.Await). Errors matching eventstore.ErrNotApplied say the read models did not
// get there before ctx ended; Result then still describes a write that was stored.
func (h *Handler) Execute(ctx context.Context, ledgerNo, customerNo string, ifMatch Match, meta Meta, decide Decision) (res Result, err error) {
	ctx, meta, span := startCommand(ctx, meta, "execute") // trace.go
	attempts := 0
	if span.IsRecording() {
		defer func() { endCommand(span, attempts, res, err) }()
	}
	stream := domain.StreamName(ledgerNo, customerNo)
	defer h.lock(stream)()
	for attempt := 0; ; attempt++ {
		attempts++
		dctx, decided := tracing.StartChild(ctx, SpanDecide)
		l, err := h.current(dctx, ledgerNo, customerNo, stream)
		if err != nil {
			decided.End()
			return Result{}, err
		}
		c := l.c
		meta := stampAfter(meta, c)
		var events []domain.Event
		switch {
		case !c.Exists():
			decided.End()
			return Result{}, domain.ErrCustomerNotFound // nothing to wait for: it is in no read model either
		case c.Forgotten():
			err = domain.ErrCustomerForgotten
		case !ifMatch.Allows(c.Version()):
			err = ErrPreconditionFailed
		default:
			events, err = decide(c)
		}
		decided.End()
		if err != nil {
			return Result{}, h.settled(ctx, l.at, err)
		}
		if len(events) == 0 {
			if err := h.settled(ctx, l.at, nil); err != nil {
				return Result{}, err
			}
			return Result{CustomerNo: customerNo, Version: c.Version(), State: c.State()}, nil
		}
		res, err := h.append(ctx, ledgerNo, stream, eventstore.Exact(c.Version()), events, meta, nil)
		switch {
		case errors.Is(err, eventstore.ErrNotApplied) && res.Version == 0:
			return Result{}, err // refused, and the read models do not show why yet
		case errors.Is(err, eventstore.ErrWrongExpectedVersion) && attempt < h.retries:
			// Decided again on the version the log now has: its If-Match is judged against that
			// version, and a refusal waits until the read models show it.
			continue
		case errors.Is(err, eventstore.ErrWrongExpectedVersion):
			return Result{}, ErrTooMuchContention
		case err != nil && !errors.Is(err, eventstore.ErrNotApplied):
			return Result{}, err // nothing was stored
		}
		st, serr := stateAfter(c, events, meta.Time)
		if serr != nil {
			return Result{}, fmt.Errorf("commands: %s is stored at version %d, but its state cannot be made: %w", stream, res.Version, serr)
		}
		// err is nil, or says the write is stored but not yet readable: the result tells the truth.
		return Result{CustomerNo: customerNo, Version: res.Version, Position: res.LastPosition, Changed: true, State: st}, err
	}
}

// stampAfter returns meta with a time no earlier than c's last event: a customer's events are
// in time order as well as version order, so ?asOf= at the time the trail gives for a version
// answers that version. A command's time is taken when its request arrives, before it queues
// for the customer's lock; the command ahead of it in the queue, or a step back of the server's
// clock, can have stamped the customer later than that.
func stampAfter(meta Meta, c *domain.Customer) Meta {
	if last := c.UpdatedAt(); meta.Time.Before(last) {
		meta.Time = last
	}
	return meta
}

// settled returns err — the answer of a command decided without appending — once the read models
// hold position at, the last event it was decided against (so no later read shows an older
// state than the answer); err joined with the reason when they do not get there before ctx ends.
func (h *Handler) settled(ctx context.Context, at uint64, err error) error {
	if werr := h.store.Await(ctx, at); werr != nil {
		return errors.Join(err, werr)
	}
	return err
}

// Create creates a customer. When the ledger generates customer numbers, a free one is chosen.
// A taken customerNo or national identifier is a domain conflict.
func (h *Handler) Create(ctx context.Context, p domain.LedgerPolicy, cmd domain.CreateCustomer, meta Meta) (res Result, err error) {
	ctx, meta, span := startCommand(ctx, meta, "create") // trace.go
	attempts := 0
	if span.IsRecording() {
		defer func() { endCommand(span, attempts, res, err) }()
	}
	for attempt := 0; ; attempt++ {
		attempts++
		if p.GenerateCustomerNumbers {
			cmd = cmd.WithCustomerNo(generateCustomerNo(p))
		}
		var c domain.Customer
		_, decided := tracing.StartChild(ctx, SpanDecide)
		events, err := c.Create(cmd)
		decided.End()
		if err != nil {
			return Result{}, err
		}
		stream := domain.StreamName(p.LedgerNo, cmd.CustomerNo())
		res, err := h.append(ctx, p.LedgerNo, stream, eventstore.NoStream, events, meta, nil)
		if errors.Is(err, eventstore.ErrNotApplied) {
			if res.Version > 0 { // stored, not yet readable: the result tells the truth
				return Result{CustomerNo: cmd.CustomerNo(), Version: res.Version, Position: res.LastPosition, Changed: true}, err
			}
			return Result{}, err // refused, and the read models do not show why yet
		}
		switch {
		case (errors.Is(err, eventstore.ErrWrongExpectedVersion) || errors.Is(err, personal.ErrKeyDestroyed)) && p.GenerateCustomerNumbers && attempt < h.retries:
			continue // the generated number is taken: draw another
		case errors.Is(err, eventstore.ErrWrongExpectedVersion), errors.Is(err, personal.ErrKeyDestroyed):
			// A destroyed key: the number is a forgotten customer's, and stays taken.
			return Result{}, &domain.Error{Code: domain.CodeConflict, Message: "a customer with this customerNo already exists"}
		case errors.Is(err, eventstore.ErrReservationConflict):
			return Result{}, &domain.Error{Code: domain.CodeConflict, Message: "a customer with this nationalIdentifier already exists in this ledger"}
		case err != nil:
			return Result{}, err
		}
		// No State: the creation is answered with the customer's number alone.
		return Result{CustomerNo: cmd.CustomerNo(), Version: res.Version, Position: res.LastPosition, Changed: true}, nil
	}
}

// stateAfter applies events just appended to c, at the versions after c's and at the time the
// store keeps, as the read models apply them (from the same decided events: nothing is decoded
// again). It returns c's state then.
func stateAfter(c *domain.Customer, events []domain.Event, at time.Time) (domain.CustomerState, error) {
	at = at.UTC().Round(0) // as the store keeps it
	version := c.Version()
	for _, e := range events {
		version++
		if err := c.Apply(domain.Recorded{Event: e, Version: version, Time: at}); err != nil {
			return domain.CustomerState{}, err
		}
	}
	return c.State(), nil
}

// append encodes, seals and appends events with the reservations they need, releasing the keys
// in releases.
func (h *Handler) append(ctx context.Context, ledgerNo, stream string, expected eventstore.ExpectedVersion, events []domain.Event, meta Meta, releases []string) (eventstore.AppendResult, error) {
	sctx, sealed := tracing.StartChild(ctx, SpanSeal)
	req, err := h.seal(sctx, ledgerNo, stream, expected, events, meta, releases)
	sealed.End()
	if err != nil {
		return eventstore.AppendResult{}, err
	}
	return h.store.Append(ctx, req)
}

// seal encodes events, seals their personal members and makes the append request.
func (h *Handler) seal(ctx context.Context, ledgerNo, stream string, expected eventstore.ExpectedVersion, events []domain.Event, meta Meta, releases []string) (eventstore.AppendRequest, error) {
	req := eventstore.AppendRequest{Stream: stream, ExpectedVersion: expected, Events: make([]eventstore.EventData, len(events)), Releases: releases}
	for i, e := range events {
		typ, schema, data, err := domain.EncodeEvent(e)
		if err != nil {
			return req, err
		}
		id, err := uuid.NewV7()
		if err != nil {
			return req, err
		}
		if h.pd != nil {
			if data, err = h.pd.SealEvent(ctx, stream, id, typ, data); err != nil {
				return req, err
			}
		}
		req.Events[i] = eventstore.EventData{ID: id, Type: typ, SchemaVersion: schema, Time: meta.Time,
			Actor: meta.Actor, CorrelationID: meta.CorrelationID, CausationID: meta.CausationID,
			TraceParent: meta.TraceParent, TraceState: meta.TraceState, Data: data, Decided: e}
		if created, ok := e.(domain.CustomerCreated); ok && created.NationalIdentifier != nil {
			req.Claims = append(req.Claims, h.NationalIDKey(ledgerNo, *created.NationalIdentifier))
		}
	}
	return req, nil
}

// generateCustomerNo draws a customer number of the ledger's length (10 digits when not fixed),
// without a leading zero.
func generateCustomerNo(p domain.LedgerPolicy) string {
	n := p.CustomerNoLength
	if n <= 0 {
		n = min(10, max(p.CustomerNoMaxLength, 1))
		if p.CustomerNoMaxLength <= 0 {
			n = 10
		}
	}
	var b strings.Builder
	b.WriteByte(byte('1' + rand.IntN(9)))
	for i := 1; i < n; i++ {
		b.WriteByte(byte('0' + rand.IntN(10)))
	}
	return b.String()
}
