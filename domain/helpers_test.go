package domain_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nordledger/ledger/domain"
)

// today is the fixed "today" of every test.
var today = time.Date(2026, time.June, 15, 12, 0, 0, 0, time.UTC)

// sePolicy is a Swedish ledger with client-chosen customer numbers of up to 15 digits.
var sePolicy = domain.LedgerPolicy{LedgerNo: "1000", CountryCode: "SE"}

// s is shorthand for a present string field.
func s(v string) domain.Field[string] { return domain.Set(v) }

// tolvan is the well-known Swedish test person (Tolvan Tolvansson).
const tolvan = "19121212-1212"

// validAddress is the legal address of the PayEx document's create example.
func validAddress() domain.AddressInput {
	return domain.AddressInput{
		Addressee:     s("Britt-Marie Axelstopp"),
		StreetAddress: s("The street 18"),
		CoAddress:     s("c/o Jansson"),
		City:          s("STOCKHOLM"),
		ZipCode:       s("15961"),
		CountryCode:   s("SE"),
	}
}

// validInput is the PayEx document's "Standard create customer" example with the placeholders
// filled in (regNo Tolvan, legalEntity consumer).
func validInput() domain.CustomerInput {
	return domain.CustomerInput{
		CustomerNo:         s("9999"),
		NationalIdentifier: domain.Set(domain.NationalIdentifierInput{RegNo: s(tolvan), CountryCode: s("SE")}),
		VATNo:              s("SE101010101001"),
		LegalEntity:        s("consumer"),
		Name:               s("Britt-Marie Axelstopp"),
		EmailAddress:       s("britt@axelstopp.com"),
		MSISDN:             s("+91485918841"),
		EDIAddressInfo: domain.Set(domain.EDIAddressInfoInput{
			VAN:                  s("ABCXYZ"),
			InterChangeRecipient: s("Recipient_ID1"),
			BuyerID:              s("123456"),
		}),
		LegalAddress:            domain.Set(validAddress()),
		DistributionType:        s("postal"),
		TaxIdentificationNumber: s("123456789"),
	}
}

// minimalInput is the smallest valid create request: customerNo, name and legal address.
func minimalInput() domain.CustomerInput {
	return domain.CustomerInput{
		CustomerNo:   s("9999"),
		Name:         s("Britt-Marie Axelstopp"),
		LegalAddress: domain.Set(validAddress()),
	}
}

// create parses in under policy p and, when it is valid, decides it on a new customer. It
// returns the CustomerCreated event (zero when invalid) and the sorted names of the failing
// properties (nil when valid).
func create(t *testing.T, in domain.CustomerInput, p domain.LedgerPolicy) (domain.CustomerCreated, []string) {
	t.Helper()
	cmd, err := domain.ParseCreateCustomer(in, p, today)
	if err != nil {
		return domain.CustomerCreated{}, problemNames(t, err)
	}
	if p.GenerateCustomerNumbers {
		cmd = cmd.WithCustomerNo("1000001")
	}
	events, err := new(domain.Customer).Create(cmd)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	return events[0].(domain.CustomerCreated), nil
}

// createWith is create under sePolicy of validInput changed by edit.
func createWith(t *testing.T, edit func(*domain.CustomerInput)) (domain.CustomerCreated, []string) {
	t.Helper()
	in := validInput()
	edit(&in)
	return create(t, in, sePolicy)
}

// problemsOf returns the problems of a validation error and fails the test for any other error.
func problemsOf(t *testing.T, err error) []domain.Problem {
	t.Helper()
	if err == nil {
		return nil
	}
	var e *domain.Error
	if !errors.As(err, &e) || !errors.Is(err, domain.ErrValidation) {
		t.Fatalf("got error %v (%T), want a validation *domain.Error", err, err)
	}
	if len(e.Problems) == 0 {
		t.Fatalf("validation error without problems: %v", err)
	}
	for _, p := range e.Problems {
		if p.Name == "" || p.Description == "" {
			t.Fatalf("incomplete problem %+v", p)
		}
	}
	return e.Problems
}

// problemNames returns the sorted names of the problems of a validation error (nil for nil).
func problemNames(t *testing.T, err error) []string {
	t.Helper()
	var names []string
	for _, p := range problemsOf(t, err) {
		names = append(names, p.Name)
	}
	slices.Sort(names)
	return names
}

// sorted returns a sorted copy of names (nil for none), for comparing with problemNames.
func sorted(names ...string) []string {
	if len(names) == 0 {
		return nil
	}
	out := slices.Clone(names)
	slices.Sort(out)
	return out
}

// noLeak fails the test when a problem description or the error text contains a value.
func noLeak(t *testing.T, err error, values ...string) {
	t.Helper()
	if err == nil {
		return
	}
	var e *domain.Error
	if !errors.As(err, &e) {
		return
	}
	for _, v := range values {
		v = strings.TrimSpace(v)
		if len(v) < 3 {
			continue
		}
		if strings.Contains(err.Error(), v) {
			t.Errorf("error text %q contains the submitted value %q", err.Error(), v)
		}
		for _, p := range e.Problems {
			if strings.Contains(p.Description, v) {
				t.Errorf("problem %s: description %q contains the submitted value %q", p.Name, p.Description, v)
			}
		}
	}
}

// newCustomer creates a customer from in (under sePolicy) and applies its events.
func newCustomer(t *testing.T, in domain.CustomerInput) *domain.Customer {
	t.Helper()
	cmd, err := domain.ParseCreateCustomer(in, sePolicy, today)
	if err != nil {
		t.Fatalf("ParseCreateCustomer: %v", err)
	}
	c := new(domain.Customer)
	events, err := c.Create(cmd)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	apply(t, c, events...)
	return c
}

// apply applies events to c as the next versions of its stream.
func apply(t *testing.T, c *domain.Customer, events ...domain.Event) {
	t.Helper()
	for _, e := range events {
		r := domain.Recorded{Event: e, Version: c.Version() + 1, Time: today.Add(time.Duration(c.Version()) * time.Minute)}
		if err := c.Apply(r); err != nil {
			t.Fatalf("Apply %s: %v", e.EventType(), err)
		}
	}
}

// ptr returns a pointer to v.
func ptr[T any](v T) *T { return &v }

// assertEvents fails the test unless got and want hold equal events (pointers compared by value).
func assertEvents(t *testing.T, got, want []domain.Event) {
	t.Helper()
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("events:\n got  %s\n want %s", dump(got), dump(want))
	}
}

// dump renders events as "Type{json}" for failure messages.
func dump(events []domain.Event) string {
	var b strings.Builder
	for _, e := range events {
		data, _ := json.Marshal(e)
		b.WriteString(e.EventType())
		b.Write(data)
		b.WriteString(" ")
	}
	return b.String()
}
