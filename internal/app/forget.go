package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore"
)

// ErrErasureNotConfigured: Forget on a handler without a protector and key store.
var ErrErasureNotConfigured = errors.New("commands: erasure needs a protector and a key store")

// ErrKeyNotDestroyed: the customer is forgotten (the forget is stored) but its data key could not
// be destroyed yet (a key store that cannot be written). Forget sent again destroys it, and so
// does the key store's Reconcile when the writer next starts.
var ErrKeyNotDestroyed = errors.New("commands: the customer is forgotten, but its data key is not destroyed yet")

// Forget forgets a customer (the right to erasure): when the ledger's rules allow it
// (domain.Customer.Forget: no surplus left, the retention period since its last activity over),
// it appends CustomerForgotten, releasing the customer's national identifier in the same
// transaction, and then destroys the customer's data key, which makes the personal members of
// every event of the customer unreadable. The customer number stays taken: its stream exists.
//
// A customer with events stored before sealing existed holds personal data in the clear in the
// log, which destroying a key cannot erase: Forget refuses it with a conflict rather than report
// an erasure it cannot make.
//
// Should the key's destruction fail after the event is stored (or the process stop between the
// two), Forget returns the stored result with ErrKeyNotDestroyed; Forget sent again for the
// forgotten customer destroys the key before it answers that the customer was forgotten already,
// and the key store's Reconcile destroys it when the writer next starts.
func (h *Handler) Forget(ctx context.Context, p domain.LedgerPolicy, customerNo string, meta Meta) (Result, error) {
	return h.ForgetIf(ctx, p, customerNo, nil, meta)
}

// Precondition checks a caller's condition on the customer's current version (its ETag: the
// HTTP API's If-Match and If-None-Match); an error refuses the command with that error.
type Precondition func(version uint64) error

// ForgetIf is Forget when pre (nil: none) allows the customer's version: checked under the
// customer's lock against the version the forget is decided on, so a forget the caller made
// conditional on a state the customer has left is refused, not made — it cannot be undone.
func (h *Handler) ForgetIf(ctx context.Context, p domain.LedgerPolicy, customerNo string, pre Precondition, meta Meta) (res Result, err error) {
	ctx, meta, span := startCommand(ctx, meta, "forget") // trace.go
	if span.IsRecording() {
		defer func() { endCommand(span, 1, res, err) }()
	}
	if h.pd == nil || h.keys == nil {
		return Result{}, ErrErasureNotConfigured
	}
	// Counted from before its event can be stored until its key is destroyed (ForgetsSettled).
	mayBeStored, destroyed := false, false
	done := h.forgets.begin()
	defer func() { done(mayBeStored, destroyed) }()
	stream := domain.StreamName(p.LedgerNo, customerNo)
	defer h.lock(stream)()
	for attempt := 0; ; attempt++ {
		l, err := loadCustomer(ctx, h.store, h.pd, stream, 0, true)
		if err != nil {
			return Result{}, err
		}
		c := l.c
		meta := stampAfter(meta, c)
		var events []domain.Event
		switch {
		case !c.Exists():
			return Result{}, domain.ErrCustomerNotFound
		case c.Forgotten():
			// A forget whose key's destruction failed is finished by sending it again (a no-op
			// for a key destroyed already).
			if derr := h.keys.Destroy(ctx, stream); derr != nil {
				return Result{}, keyNotDestroyed(stream, derr)
			}
			err = &domain.Error{Code: domain.CodeCustomerForgotten, Message: "the customer was forgotten already"}
		case pre != nil && pre(c.Version()) != nil:
			err = pre(c.Version())
		case l.plain:
			err = &domain.Error{Code: domain.CodeConflict, Message: "the customer cannot be forgotten: events stored before personal data was encrypted hold it in the clear, which destroying the customer's key cannot erase (see docs/data-protection.md)"}
		default:
			events, err = c.Forget(meta.Time, p.Retention)
		}
		if err != nil {
			// Refused: answered once the read models hold what it was decided on.
			return Result{}, h.settled(ctx, l.at, err)
		}
		var releases []string
		if ni := c.State().NationalIdentifier; ni != nil {
			releases = append(releases, h.NationalIDKey(p.LedgerNo, *ni))
		}
		mayBeStored = true
		res, err := h.append(ctx, p.LedgerNo, stream, eventstore.Exact(c.Version()), events, meta, releases)
		if errors.Is(err, eventstore.ErrWrongExpectedVersion) {
			mayBeStored = false // refused whole: nothing of it stored
		}
		switch {
		case errors.Is(err, eventstore.ErrNotApplied) && res.Version == 0:
			return Result{}, err
		case errors.Is(err, eventstore.ErrWrongExpectedVersion) && attempt < h.retries:
			continue
		case errors.Is(err, eventstore.ErrWrongExpectedVersion):
			return Result{}, ErrTooMuchContention
		case err != nil && !errors.Is(err, eventstore.ErrNotApplied):
			return Result{}, err
		}
		// Stored (and, unless err says otherwise, applied: the read models show it forgotten).
		// The key is answered as destroyed from now on (personal.Store.Evict), so nothing opens
		// the customer's personal data should its destruction fail.
		h.pd.Evict(stream)
		if derr := h.keys.Destroy(ctx, stream); derr != nil {
			return Result{CustomerNo: customerNo, Version: res.Version, Position: res.LastPosition, Changed: true}, keyNotDestroyed(stream, derr)
		}
		destroyed = true
		st, serr := stateAfter(c, events, meta.Time)
		if serr != nil {
			return Result{}, fmt.Errorf("commands: %s is forgotten at version %d, but its state cannot be made: %w", stream, res.Version, serr)
		}
		return Result{CustomerNo: customerNo, Version: res.Version, Position: res.LastPosition, Changed: true, State: st}, err
	}
}

// keyNotDestroyed is ErrKeyNotDestroyed for stream, with derr's text but not its chain: a key
// store that cannot be written fails with eventstore.ErrWriteFailed, which says a change was not
// stored — and the forget is.
func keyNotDestroyed(stream string, derr error) error {
	return fmt.Errorf("%w (%s; send the forget again, or the writer destroys it when it next starts): %v", ErrKeyNotDestroyed, stream, derr)
}
