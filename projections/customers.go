package projections

import (
	"bytes"
	"context"
	"fmt"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore/personal"
	bolt "go.etcd.io/bbolt"
)

// CustomersName is the stable name of the customer projection.
const CustomersName = "customers"

var (
	bucketCustomers = []byte("customers") // "{ledgerNo}/{customerNo}" → JSON of domain.CustomerState
	// bucketNatIDs: big-endian position of a CustomerCreated → national-identifier key (a keyed
	// hash) 0x00 customerNo; looked up through natIndex, in memory (natid_index.go).
	bucketNatIDs = []byte("customer_natid")
)

// NationalIDKeyFunc returns the keyed-hash key of a national identifier within a ledger.
type NationalIDKeyFunc func(ledgerNo string, ni domain.NationalIdentifier) string

// Customers is the customer view (every customer's current state, with addresses) and the
// national-identifier index used by find-customer.
type Customers struct {
	db     *DB
	natID  NationalIDKeyFunc
	batch  *customerBatch // between BeginBatch and EndBatch (customers_batch.go)
	states *stateCache    // decoded states for reads (customers_cache.go)
	natIDs natIndex       // the national-identifier index's look-up (natid_index.go)
	// written holds the states the open write-back transaction wrote (customers_overlay.go)
	written written
	pd      *personal.Protector // Protect; nil: events and states in the clear only (personal.go)
}

// NewCustomers returns the customer projection over db.
func NewCustomers(db *DB, natID NationalIDKeyFunc) *Customers {
	return &Customers{db: db, natID: natID, states: newStateCache()}
}

// Name implements Projection.
func (*Customers) Name() string { return CustomersName }

// Version implements Projection. Version 2: states of customers with sealed events are sealed,
// forgotten customers are kept as their forgotten state, customer_natid_of. Version 3: the
// national-identifier index in position order, looked up in memory (natid_index.go). Version 4:
// a completed card registration holds its card's token (a retried callback is told apart from
// one naming another card).
func (*Customers) Version() uint32 { return 4 }

// Buckets implements Projection.
func (*Customers) Buckets() [][]byte {
	return [][]byte{bucketCustomers, bucketNatIDs, bucketNatIDOf, bucketCardRegistrations, bucketCardPending}
}

// Apply implements Projection. A customer's state is kept sealed with its data key from its
// first sealed event on (so an incremental and a rebuilt read model are byte for byte equal),
// and in the clear before (customers whose events were all stored before sealing existed). A
// forgotten customer — CustomerForgotten, or an event whose personal data is erased — is kept
// as domain.ForgottenState and leaves the national-identifier index (personal.go).
func (p *Customers) Apply(tx *bolt.Tx, e Event) error {
	return p.applyPrepared(tx, e, p.prepare(e))
}

// customerEvent is an event of a customer stream decoded and opened: what applying it needs
// that no transaction holds (prepare).
type customerEvent struct {
	ledgerNo, customerNo string
	key                  string       // in the customers bucket
	ev                   domain.Event // nil when it does not decode (then only a forgotten customer's)
	opened               personal.Opened
	natKey               []byte // a CustomerCreated's national-identifier key, if it has one
	err                  error  // opening or decoding failed
	// decided: the writer's pipeline handed the event over as its command decided it, so the
	// customer is likely read soon: its state is remembered decoded (stateCache) when written.
	decided bool
}

// prepare implements preparer: it decodes and opens a customer's event (nil for every other
// stream) — unless the event carries the domain event its command decided (Event.Decided, on the
// writer's commit pipeline), which is what decoding would give: then nothing is decoded.
func (p *Customers) prepare(e Event) any {
	ledgerNo, customerNo, ok := domain.ParseStream(e.Stream)
	if !ok {
		return (*customerEvent)(nil)
	}
	ce := &customerEvent{ledgerNo: ledgerNo, customerNo: customerNo, key: ledgerNo + "/" + customerNo}
	if decided, ok := e.Decided.(domain.Event); ok && decided != nil {
		// Just committed by the writer: the event as its command decided it, in the clear.
		ce.ev, ce.opened, ce.decided = decided, personal.Opened{Sealed: personal.IsSealed(e.Data)}, true
		if ce.opened.Sealed && p.pd == nil {
			ce.err = errNoProtector
		}
	} else {
		ce.ev, ce.opened, ce.err = p.pd.Decode(context.Background(), e)
	}
	switch {
	case ce.err != nil:
	case ce.ev == nil:
		// Personal data erased: the card-registration index is kept from the clear members.
		ce.ev, _ = domain.DecodeEvent(e.Type, e.SchemaVersion, ce.opened.Data)
	default:
		if created, ok := ce.ev.(domain.CustomerCreated); ok && created.NationalIdentifier != nil {
			ce.natKey = []byte(p.natID(ledgerNo, *created.NationalIdentifier))
		}
	}
	return ce
}

// prepareRead implements readPreparer: the data keys of the customers whose sealed events the
// read holds are loaded in one go (personal.Protector.Preload), not one lookup per customer. A
// key that fails to load is looked up again, and its error reported, by the event's prepare.
func (p *Customers) prepareRead(events []Event) {
	if p.pd == nil {
		return
	}
	subjects := make([]string, 0, len(events))
	for _, e := range events {
		if e.Decided != nil {
			continue // nothing to open
		}
		if sub, ok := personal.Subject(e.Stream); ok && bytes.Contains(e.Data, sealedMarker) {
			subjects = append(subjects, sub)
		}
	}
	_ = p.pd.Preload(context.Background(), subjects)
}

// sealedMarker is in the data of every sealed event (personal.Protector.Decode looks for it too).
var sealedMarker = []byte(`"` + personal.SealedMember + `"`)

var _ readPreparer = (*Customers)(nil)

// applyPrepared implements preparer.
func (p *Customers) applyPrepared(tx *bolt.Tx, e Event, prepared any) error {
	ce := prepared.(*customerEvent)
	if ce == nil {
		return nil // not a customer stream (e.g. look-ups): nothing of the customer changed
	}
	if ce.err != nil {
		return ce.err
	}
	ledgerNo, customerNo, key, ev, opened := ce.ledgerNo, ce.customerNo, ce.key, ce.ev, ce.opened
	c, sealed, err := p.customer(tx, key)
	if err != nil {
		return fmt.Errorf("stored state of %s: %w", e.Stream, err)
	}
	erased := len(opened.Erased) > 0 || c.Forgotten() // the event is of a forgotten customer
	if err := c.ApplyStored(customerNo, domain.Recorded{Event: ev, Version: e.Version, Time: e.Time}, erased); err != nil {
		return err
	}
	if erased && ev != nil {
		// The card-registration index is kept from the events' clear members (prepare decodes
		// them when the personal ones are erased), so it is the same whether an event was applied
		// before the forget or after it (a rebuild).
		if err := applyCardRegistration(tx, ledgerNo, customerNo, ev); err != nil {
			return err
		}
	}
	if c.Forgotten() {
		return p.forget(tx, key, c.State())
	}
	if err := p.changed(tx, key, c, sealed || opened.Sealed, ce.decided); err != nil {
		return err
	}
	if err := applyCardRegistration(tx, ledgerNo, customerNo, ev); err != nil { // card_registrations.go
		return err
	}
	if ce.natKey != nil {
		p.natIDsWritten(tx)
		return p.natIDs.put(tx, key, customerNo, ce.natKey, e.Position)
	}
	return nil
}

var _ preparer = (*Customers)(nil)

// Customer returns a customer's current state; a forgotten customer's is its forgotten state
// (Forgotten set, nothing personal).
func (p *Customers) Customer(ctx context.Context, ledgerNo, customerNo string) (domain.CustomerState, bool, error) {
	var s domain.CustomerState
	var found bool
	key := ledgerNo + "/" + customerNo
	token := p.states.token(key) // before the bytes are read (stateCache.putIf)
	read := func(v []byte) error {
		if v == nil {
			return nil
		}
		found = true
		if cached, ok := p.remembered(ctx, key, v); ok {
			s = cached
			return nil
		}
		var err error
		if s, _, err = p.decodeState(ctx, key, v); err != nil {
			return err
		}
		p.states.putIf(key, v, s, token)
		return nil
	}
	// What the runner's open write-back transaction wrote, else the file: a key the transaction
	// has not written is in the file as the transaction has it (writeback.go), so this read need
	// not wait for a commit.
	if v, ok := p.written.get(key); ok {
		return s, found, read(v)
	}
	err := p.db.db.View(func(tx *bolt.Tx) error { return read(tx.Bucket(bucketCustomers).Get([]byte(key))) })
	return s, found, err
}

// FindByNationalID returns the number of the customer holding a national identifier in a ledger.
func (p *Customers) FindByNationalID(ctx context.Context, ledgerNo string, ni domain.NationalIdentifier) (string, bool, error) {
	if p.written.natIDs.Load() { // the index learns a transaction's entries as it commits
		if err := p.db.settle(ctx); err != nil {
			return "", false, err
		}
	}
	return p.natIDs.find(p.db.db, []byte(p.natID(ledgerNo, ni)))
}

// loadIndexes implements indexHolder: the national-identifier index's look-up.
func (p *Customers) loadIndexes() error { return p.natIDs.load(p.db.db) }

// dropIndexes implements indexHolder: the national-identifier index is read again at its next use.
func (p *Customers) dropIndexes() { p.natIDs.Drop() }

// reloadIndexes implements indexHolder: tx replaces the national-identifier index's bucket.
func (p *Customers) reloadIndexes(tx *bolt.Tx) { p.natIDs.reload(tx) }
