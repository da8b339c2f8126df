// Package commands runs the ledger's commands: it loads a customer's stream from the event store,
// rebuilds the aggregate, lets it decide, and appends the resulting events with the loaded version
// as the expected version, retrying the whole load-decide-append when another writer got there
// first. Unique national identifiers are enforced by the store's reservations in the same
// transaction as the events.
package commands

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore"
)

// Meta describes who asked for a change, and why.
type Meta struct {
	Actor         string    // the token's subject
	CorrelationID string    // from X-Correlation-ID
	CausationID   string    // id of the request or message that caused the command
	Time          time.Time // when the command was received
	// TraceParent and TraceState are the W3C trace context of the request (its span), recorded
	// on every event; empty records none.
	TraceParent, TraceState string
}

// Result describes a command's outcome.
type Result struct {
	CustomerNo string
	Version    uint64 // the stream version after the command
	Position   uint64 // global position of the last event written (0 when nothing changed)
	Changed    bool   // false when the command changed nothing and wrote no event
	// State is the customer exactly as the command left it (at Version): what its caller is
	// answered with, even when other commands have changed the customer since.
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
}

// Handler executes commands against an event store. It is safe for concurrent use.
//
// Commands on one customer run one at a time in this process (a striped lock keyed by stream), so
// concurrent changes of one customer queue instead of racing, losing and retrying; commands on
// different customers still run in parallel and share group commits. The expected-version check
// stays the guarantee: the lock only avoids wasted work.
type Handler struct {
	store   *eventstore.Store
	key     []byte
	retries int
	locks   [lockStripes]sync.Mutex
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
func New(store *eventstore.Store, cfg Config) (*Handler, error) {
	if len(cfg.ReservationKey) < 32 {
		return nil, fmt.Errorf("commands: reservation key must be at least 32 bytes")
	}
	if cfg.Retries <= 0 {
		cfg.Retries = 8
	}
	return &Handler{store: store, key: cfg.ReservationKey, retries: cfg.Retries}, nil
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
	return LoadCustomer(ctx, h.store, domain.StreamName(ledgerNo, customerNo), 0)
}

// LoadCustomer rebuilds a customer from a stream, up to version upTo (0 for all).
func LoadCustomer(ctx context.Context, store *eventstore.Store, stream string, upTo uint64) (*domain.Customer, error) {
	c := &domain.Customer{}
	for from := uint64(1); ; {
		batch, err := store.ReadStream(ctx, stream, from, eventstore.MaxReadLimit)
		if err != nil {
			return nil, err
		}
		for _, e := range batch {
			if upTo > 0 && e.Version > upTo {
				return c, nil
			}
			ev, err := domain.DecodeEvent(e.Type, e.SchemaVersion, e.Data)
			if err != nil {
				return nil, fmt.Errorf("commands: stream %s version %d: %w", stream, e.Version, err)
			}
			if err := c.Apply(domain.Recorded{Event: ev, Version: e.Version, Time: e.Time}); err != nil {
				return nil, err
			}
		}
		if len(batch) < eventstore.MaxReadLimit {
			return c, nil
		}
		from = batch[len(batch)-1].Version + 1
	}
}

// Execute runs a decision against an existing customer. ifMatch, when not nil, is the version the
// caller last saw: a different current version fails with ErrPreconditionFailed and no retry.
// A decision that returns no events succeeds with Changed false.
func (h *Handler) Execute(ctx context.Context, ledgerNo, customerNo string, ifMatch *uint64, meta Meta, decide Decision) (Result, error) {
	stream := domain.StreamName(ledgerNo, customerNo)
	defer h.lock(stream)()
	for attempt := 0; ; attempt++ {
		c, err := LoadCustomer(ctx, h.store, stream, 0)
		if err != nil {
			return Result{}, err
		}
		if !c.Exists() {
			return Result{}, domain.ErrCustomerNotFound
		}
		if ifMatch != nil && *ifMatch != c.Version() {
			return Result{}, ErrPreconditionFailed
		}
		events, err := decide(c)
		if err != nil {
			return Result{}, err
		}
		if len(events) == 0 {
			return Result{CustomerNo: customerNo, Version: c.Version(), State: c.State()}, nil
		}
		res, err := h.append(ctx, ledgerNo, stream, eventstore.Exact(c.Version()), events, meta)
		if errors.Is(err, eventstore.ErrWrongExpectedVersion) {
			if ifMatch != nil {
				return Result{}, ErrPreconditionFailed
			}
			if attempt < h.retries {
				continue
			}
			return Result{}, ErrTooMuchContention
		}
		if err != nil {
			return Result{}, err
		}
		st, err := stateAfter(c, events, meta.Time)
		if err != nil {
			return Result{}, err
		}
		return Result{CustomerNo: customerNo, Version: res.Version, Position: res.LastPosition, Changed: true, State: st}, nil
	}
}

// Create creates a customer. When the ledger generates customer numbers, a free one is chosen.
// A taken customerNo or national identifier is a domain conflict.
func (h *Handler) Create(ctx context.Context, p domain.LedgerPolicy, cmd domain.CreateCustomer, meta Meta) (Result, error) {
	for attempt := 0; ; attempt++ {
		if p.GenerateCustomerNumbers {
			cmd = cmd.WithCustomerNo(generateCustomerNo(p))
		}
		var c domain.Customer
		events, err := c.Create(cmd)
		if err != nil {
			return Result{}, err
		}
		stream := domain.StreamName(p.LedgerNo, cmd.CustomerNo())
		res, err := h.append(ctx, p.LedgerNo, stream, eventstore.NoStream, events, meta)
		switch {
		case errors.Is(err, eventstore.ErrWrongExpectedVersion) && p.GenerateCustomerNumbers && attempt < h.retries:
			continue // the generated number is taken: draw another
		case errors.Is(err, eventstore.ErrWrongExpectedVersion):
			return Result{}, &domain.Error{Code: domain.CodeConflict, Message: "a customer with this customerNo already exists"}
		case errors.Is(err, eventstore.ErrReservationConflict):
			return Result{}, &domain.Error{Code: domain.CodeConflict, Message: "a customer with this nationalIdentifier already exists in this ledger"}
		case err != nil:
			return Result{}, err
		}
		st, err := stateAfter(&c, events, meta.Time)
		if err != nil {
			return Result{}, err
		}
		return Result{CustomerNo: cmd.CustomerNo(), Version: res.Version, Position: res.LastPosition, Changed: true, State: st}, nil
	}
}

// stateAfter applies events just appended to c (at the versions after c's) as the read models
// will: decoded from their stored form, at the stored time. It returns c's state then.
func stateAfter(c *domain.Customer, events []domain.Event, at time.Time) (domain.CustomerState, error) {
	at = time.Unix(0, at.UnixNano()).UTC() // as the store keeps it
	version := c.Version()
	for _, e := range events {
		typ, schema, data, err := domain.EncodeEvent(e)
		if err != nil {
			return domain.CustomerState{}, err
		}
		stored, err := domain.DecodeEvent(typ, schema, data)
		if err != nil {
			return domain.CustomerState{}, err
		}
		version++
		if err := c.Apply(domain.Recorded{Event: stored, Version: version, Time: at}); err != nil {
			return domain.CustomerState{}, err
		}
	}
	return c.State(), nil
}

// append encodes and appends events with the reservations they need.
func (h *Handler) append(ctx context.Context, ledgerNo, stream string, expected eventstore.ExpectedVersion, events []domain.Event, meta Meta) (eventstore.AppendResult, error) {
	req := eventstore.AppendRequest{Stream: stream, ExpectedVersion: expected, Events: make([]eventstore.EventData, len(events))}
	for i, e := range events {
		typ, schema, data, err := domain.EncodeEvent(e)
		if err != nil {
			return eventstore.AppendResult{}, err
		}
		id, err := uuid.NewV7()
		if err != nil {
			return eventstore.AppendResult{}, err
		}
		req.Events[i] = eventstore.EventData{ID: id, Type: typ, SchemaVersion: schema, Time: meta.Time,
			Actor: meta.Actor, CorrelationID: meta.CorrelationID, CausationID: meta.CausationID,
			TraceParent: meta.TraceParent, TraceState: meta.TraceState, Data: data}
		if created, ok := e.(domain.CustomerCreated); ok && created.NationalIdentifier != nil {
			req.Claims = append(req.Claims, h.NationalIDKey(ledgerNo, *created.NationalIdentifier))
		}
	}
	return h.store.Append(ctx, req)
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
