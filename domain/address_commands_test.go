package domain_test

import (
	"errors"
	"testing"

	"github.com/nordledger/ledger/domain"
)

func TestCustomerReplaceLegalAddress(t *testing.T) {
	moved := payexLegal
	moved.City = "UPPSALA"
	tests := []struct {
		name   string
		addr   domain.Address
		source domain.AddressSource
		want   []domain.Event
	}{
		{"same address", payexLegal, domain.SourceAPI, nil},
		{"same address from the population register", payexLegal, domain.SourcePopulationRegister, nil},
		{"new address", payexKalle, domain.SourceAPI, []domain.Event{domain.LegalAddressReplaced{Address: payexKalle, Source: domain.SourceAPI}}},
		{"one field differs", moved, domain.SourcePopulationRegister, []domain.Event{domain.LegalAddressReplaced{Address: moved, Source: domain.SourcePopulationRegister}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCustomer(t, validInput())
			events, err := c.ReplaceLegalAddress(tt.addr, tt.source)
			if err != nil {
				t.Fatal(err)
			}
			assertEvents(t, events, tt.want)
			apply(t, c, events...)
			if got := *c.State().LegalAddress; got != tt.addr {
				t.Fatalf("legal address: got %+v, want %+v", got, tt.addr)
			}
		})
	}
}

func TestCustomerBillingAddress(t *testing.T) {
	other := payexKalle
	other.ZipCode = "16873"
	withBilling := validInput()
	withBilling.BillingAddress = domain.Set(payexBillingAddress())
	tests := []struct {
		name     string
		customer domain.CustomerInput
		decide   func(*domain.Customer) ([]domain.Event, error)
		want     []domain.Event
		wantErr  error
		after    *domain.Address // the billing address after applying want
	}{
		{"add when none", validInput(), func(c *domain.Customer) ([]domain.Event, error) { return c.AddBillingAddress(payexKalle) },
			[]domain.Event{domain.BillingAddressAdded{Address: payexKalle}}, nil, &payexKalle},
		{"add when one exists", withBilling, func(c *domain.Customer) ([]domain.Event, error) { return c.AddBillingAddress(other) },
			nil, domain.ErrConflict, &payexKalle},
		{"add the same when it exists", withBilling, func(c *domain.Customer) ([]domain.Event, error) { return c.AddBillingAddress(payexKalle) },
			nil, domain.ErrConflict, &payexKalle},
		{"replace when none", validInput(), func(c *domain.Customer) ([]domain.Event, error) { return c.ReplaceBillingAddress(payexKalle) },
			nil, domain.ErrBillingAddressNotFound, nil},
		{"replace with the same", withBilling, func(c *domain.Customer) ([]domain.Event, error) { return c.ReplaceBillingAddress(payexKalle) },
			nil, nil, &payexKalle},
		{"replace with another", withBilling, func(c *domain.Customer) ([]domain.Event, error) { return c.ReplaceBillingAddress(other) },
			[]domain.Event{domain.BillingAddressReplaced{Address: other}}, nil, &other},
		{"remove when none", validInput(), func(c *domain.Customer) ([]domain.Event, error) { return c.RemoveBillingAddress() },
			nil, domain.ErrBillingAddressNotFound, nil},
		{"remove", withBilling, func(c *domain.Customer) ([]domain.Event, error) { return c.RemoveBillingAddress() },
			[]domain.Event{domain.BillingAddressRemoved{}}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCustomer(t, tt.customer)
			events, err := tt.decide(c)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || events != nil {
					t.Fatalf("got %s, %v; want error %v", dump(events), err, tt.wantErr)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			assertEvents(t, events, tt.want)
			apply(t, c, events...)
			got := c.State().BillingAddress
			if (got == nil) != (tt.after == nil) || (got != nil && *got != *tt.after) {
				t.Fatalf("billing address: got %+v, want %+v", got, tt.after)
			}
		})
	}
}

// TestCustomerBillingAddressLifecycle: add, replace, remove, add again.
func TestCustomerBillingAddressLifecycle(t *testing.T) {
	c := newCustomer(t, validInput())
	other := payexKalle
	other.Addressee = "Britt-Marie Axelstopp"
	steps := []func() ([]domain.Event, error){
		func() ([]domain.Event, error) { return c.AddBillingAddress(payexKalle) },
		func() ([]domain.Event, error) { return c.ReplaceBillingAddress(other) },
		func() ([]domain.Event, error) { return c.RemoveBillingAddress() },
		func() ([]domain.Event, error) { return c.AddBillingAddress(payexKalle) },
	}
	for i, step := range steps {
		events, err := step()
		if err != nil || len(events) != 1 {
			t.Fatalf("step %d: got %s, %v", i, dump(events), err)
		}
		apply(t, c, events...)
	}
	if got, want := c.Version(), uint64(5); got != want {
		t.Fatalf("version: got %d, want %d", got, want)
	}
	if got := c.State().BillingAddress; got == nil || *got != payexKalle {
		t.Fatalf("billing address: got %+v", got)
	}
}
