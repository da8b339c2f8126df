package main

import (
	"context"
	"errors"
	"log/slog"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore/consumer"
)

// apply applies one event of the ledger to the book: the customer's name and addresses as they
// change, and the customer dropped when it is forgotten. It is the consumer's Handler; the book
// records the event's position and id with the change, which is the consumer's CheckpointMark, so an event
// is applied once even when it is delivered again.
func (b *Book) apply(log *slog.Logger) consumer.Handler {
	return func(ctx context.Context, e *consumer.Event) error {
		no := e.CustomerNo
		if e.Subject != "customers/"+no { // look-ups of a customer are not changes of it
			no = ""
		}
		if no != "" && e.Personal == consumer.PersonalWithheld && errors.Is(e.Withheld, consumer.ErrProtectedIdentity) {
			return b.protect(log, no, e)
		}
		err := b.update(no, e.Position, e.ID, func(cur Entry, found bool) (*Entry, error) {
			cur.CustomerNo, cur.Updated = no, e.Time
			if e.Type == domain.TypeCustomerForgotten { // whatever its schema version
				return nil, nil // everything the book holds of the customer goes
			}
			switch ev := e.Domain.(type) {
			case nil: // DomainErr: an unknown type (skipped), or a newer schema version of one followed
				if followed[e.Type] {
					return nil, e.DomainErr // stop: skipping would keep an old name or address
				}
				return nil, errSkip
			case domain.CustomerCreated:
				if e.Personal == consumer.PersonalErased {
					return nil, errSkip // forgotten: its CustomerForgotten follows
				}
				if !personal(log, e, &cur) {
					return &cur, nil
				}
				cur.Name, cur.LegalAddress = ev.Name, &ev.LegalAddress
			case domain.LegalAddressReplaced:
				if !found || !personal(log, e, &cur) {
					return nil, errSkip
				}
				cur.LegalAddress = &ev.Address
			case domain.BillingAddressAdded:
				if !found || !personal(log, e, &cur) {
					return nil, errSkip
				}
				cur.BillingAddress = &ev.Address
			case domain.BillingAddressReplaced:
				if !found || !personal(log, e, &cur) {
					return nil, errSkip
				}
				cur.BillingAddress = &ev.Address
			case domain.BillingAddressRemoved:
				if !found {
					return nil, errSkip
				}
				cur.BillingAddress = nil
			default:
				return nil, errSkip
			}
			return &cur, nil
		})
		if err == nil && e.Type == domain.TypeCustomerForgotten {
			err = b.compact() // and no freed page of the file keeps it
		}
		return err
	}
}

// followed are the event types the book applies (beside CustomerForgotten, which it applies
// whatever it holds).
var followed = map[string]bool{domain.TypeCustomerCreated: true, domain.TypeLegalAddressReplaced: true,
	domain.TypeBillingAddressAdded: true, domain.TypeBillingAddressReplaced: true, domain.TypeBillingAddressRemoved: true}

// personal reports whether the event's personal members are at hand. When the ledger withheld
// them the entry says why; when the customer was forgotten (its CustomerForgotten follows, and
// drops the entry) there is nothing to keep.
func personal(log *slog.Logger, e *consumer.Event, cur *Entry) bool {
	switch e.Personal {
	case consumer.PersonalOpened, consumer.PersonalNone:
		cur.Withheld = ""
		return true
	case consumer.PersonalWithheld:
		log.Warn("the ledger withheld a customer's personal data", "position", e.Position, "type", e.Type, "reason", e.Withheld)
		cur.Withheld = e.Withheld.Error()
	}
	return false
}

// protect applies an event of a customer whose identity is protected (skyddad identitet): the
// ledger withholds its personal data from this service now, so the book must not keep serving
// the name and addresses it copied before. The entry stays, saying why, without them; the file
// is rewritten when they were there, so no freed page keeps them.
func (b *Book) protect(log *slog.Logger, no string, e *consumer.Event) error {
	held := false
	err := b.update(no, e.Position, e.ID, func(cur Entry, found bool) (*Entry, error) {
		held = cur.Name != "" || cur.LegalAddress != nil || cur.BillingAddress != nil
		cur.CustomerNo, cur.Updated, cur.Withheld = no, e.Time, e.Withheld.Error()
		cur.Name, cur.LegalAddress, cur.BillingAddress = "", nil, nil
		return &cur, nil
	})
	if err != nil || !held {
		return err
	}
	log.Info("a customer's identity is protected: dropped its name and addresses", "position", e.Position)
	return b.compact()
}
