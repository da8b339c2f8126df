package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore/consumer"
)

func openBook(t *testing.T) *Book {
	t.Helper()
	b, err := OpenBook(filepath.Join(t.TempDir(), "book.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

var (
	home  = domain.Address{Addressee: "Anna Andersson", StreetAddress: "Gatan 1", City: "STOCKHOLM", ZipCode: "11122", CountryCode: "SE"}
	away  = domain.Address{Addressee: "Anna Andersson", City: "UPPSALA", ZipCode: "75320", CountryCode: "SE"}
	bills = domain.Address{Addressee: "Anna Andersson", City: "LUND", ZipCode: "22100", CountryCode: "SE"}
)

// ev makes an event as the consumer hands it over.
func ev(position uint64, subject string, personal consumer.Personal, d domain.Event) *consumer.Event {
	no := subject[len(subject)-4:]
	return &consumer.Event{ID: uuid.Must(uuid.NewV7()), Position: position, LedgerNo: "1000", Subject: subject, CustomerNo: no,
		Type: d.EventType(), Time: time.Date(2026, 3, 1, 12, 0, int(position), 0, time.UTC), Personal: personal, Domain: d}
}

// TestApply: the book follows a customer's name and addresses, keeps what it may not read out,
// skips a forgotten customer's events and drops the customer at its CustomerForgotten, ignores
// look-ups, and applies an event delivered again only once.
func TestApply(t *testing.T) {
	b := openBook(t)
	apply := b.apply(slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx := context.Background()
	steps := []*consumer.Event{
		ev(1, "customers/1001", consumer.PersonalOpened, domain.CustomerCreated{CustomerNo: "1001", Name: "Anna Andersson", LegalAddress: home}),
		ev(2, "customers/1001", consumer.PersonalOpened, domain.BillingAddressAdded{Address: bills}),
		ev(3, "lookups/1001", consumer.PersonalNone, domain.CustomerDetailsLookedUp{CustomerNo: "1001"}),
		ev(4, "customers/1001", consumer.PersonalOpened, domain.LegalAddressReplaced{Address: away}),
		ev(5, "customers/1002", consumer.PersonalWithheld, domain.CustomerCreated{CustomerNo: "1002"}),
		ev(6, "customers/1003", consumer.PersonalErased, domain.CustomerCreated{CustomerNo: "1003"}),
		ev(7, "customers/1001", consumer.PersonalNone, domain.BillingAddressRemoved{}),
		ev(2, "customers/1001", consumer.PersonalOpened, domain.BillingAddressAdded{Address: bills}), // delivered again
	}
	steps[4].Withheld = consumer.ErrNotGranted
	for _, e := range steps {
		if err := apply(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	anna, found, _ := b.Entry("1001")
	if !found || anna.Name != "Anna Andersson" || *anna.LegalAddress != away || anna.BillingAddress != nil || anna.Position != 7 {
		t.Errorf("1001: %+v", anna)
	}
	if e, found, _ := b.Entry("1002"); !found || e.Name != "" || e.Withheld == "" {
		t.Errorf("1002 (withheld): %+v", e)
	}
	if _, found, _ := b.Entry("1003"); found {
		t.Error("a forgotten customer's erased event made an entry")
	}
	if m, _ := b.Mark(); m.Position != 7 || m.ID != steps[6].ID {
		t.Errorf("checkpoint %+v, want position 7 and event %s: the id detects a restored ledger log", m, steps[6].ID)
	}
	if err := apply(ctx, ev(8, "customers/1001", consumer.PersonalNone, domain.CustomerForgotten{})); err != nil {
		t.Fatal(err)
	}
	if _, found, _ := b.Entry("1001"); found {
		t.Error("the forgotten customer is still in the book")
	}
}

// TestApplyNewerSchemaVersion: an event of a type the book follows that this build cannot decode
// (a newer schema version: Domain nil, DomainErr set) is not skipped — a CustomerForgotten still
// drops the customer, and an address change stops the book (it is retried, then Run stops and the
// book is updated), rather than the book keeping a forgotten customer or an old address.
func TestApplyNewerSchemaVersion(t *testing.T) {
	b := openBook(t)
	apply := b.apply(slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx := context.Background()
	if err := apply(ctx, ev(1, "customers/1001", consumer.PersonalOpened, domain.CustomerCreated{CustomerNo: "1001", Name: "Anna Andersson", LegalAddress: home})); err != nil {
		t.Fatal(err)
	}
	newer := func(position uint64, typ string) *consumer.Event {
		e := ev(position, "customers/1001", consumer.PersonalOpened, domain.CustomerForgotten{})
		e.Type, e.Domain, e.DomainErr = typ, nil, errors.New("schema version 9 of "+typ+" is newer than this build")
		return e
	}
	if err := apply(ctx, newer(2, domain.TypeLegalAddressReplaced)); err == nil {
		t.Error("an address change of a newer schema version was skipped")
	}
	if m, _ := b.Mark(); m.Position != 1 {
		t.Errorf("checkpoint at %d after an event the book could not apply, want 1", m.Position)
	}
	if err := apply(ctx, newer(2, "CustomerNicknameChosen")); err != nil { // a type the book does not follow
		t.Fatal(err)
	}
	if e, found, _ := b.Entry("1001"); !found || e.Position != 1 || e.Name != "Anna Andersson" {
		t.Errorf("an event of a type the book does not follow changed the entry: %+v", e)
	}
	if err := apply(ctx, newer(3, domain.TypeCustomerForgotten)); err != nil {
		t.Fatal(err)
	}
	if _, found, _ := b.Entry("1001"); found {
		t.Error("a customer forgotten by an event of a newer schema version is still in the book")
	}
}
