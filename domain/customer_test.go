package domain_test

import (
	"errors"
	"testing"
	"time"

	"github.com/nordledger/ledger/domain"
)

func TestCustomerCreate(t *testing.T) {
	withBilling := minimalInput()
	withBilling.BillingAddress = domain.Set(payexBillingAddress())
	minimal := domain.CustomerCreated{CustomerNo: "9999", Name: "Britt-Marie Axelstopp", LegalStatus: "active", LegalAddress: payexLegal, Source: domain.SourceAPI}
	tests := []struct {
		name string
		in   domain.CustomerInput
		want []domain.Event
	}{
		{"without billing address", minimalInput(), []domain.Event{minimal}},
		{"with billing address", withBilling, []domain.Event{minimal, domain.BillingAddressAdded{Address: payexKalle}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd, err := domain.ParseCreateCustomer(tt.in, sePolicy, today)
			if err != nil {
				t.Fatal(err)
			}
			c := new(domain.Customer)
			if c.Exists() || c.Version() != 0 {
				t.Fatalf("new customer: exists %v, version %d", c.Exists(), c.Version())
			}
			events, err := c.Create(cmd)
			if err != nil {
				t.Fatal(err)
			}
			assertEvents(t, events, tt.want)
			if c.Exists() {
				t.Fatal("Create changed the aggregate; only Apply may")
			}
			apply(t, c, events...)
			if !c.Exists() || c.Version() != uint64(len(events)) {
				t.Fatalf("after apply: exists %v, version %d", c.Exists(), c.Version())
			}

			// Creating it again is a conflict.
			again, err := c.Create(cmd)
			if !errors.Is(err, domain.ErrConflict) || again != nil {
				t.Fatalf("second Create: got %v, %v; want ErrConflict", again, err)
			}
		})
	}
}

func TestCustomerState(t *testing.T) {
	in := validInput()
	in.BillingAddress = domain.Set(payexBillingAddress())
	in.PreferredLanguageCode = s("sv")
	in.ProtectedIdentity = domain.Set(true)
	c := newCustomer(t, in)
	got := c.State()
	want := domain.CustomerState{
		CustomerNo:              "9999",
		NationalIdentifier:      &domain.NationalIdentifier{RegNo: tolvan, CountryCode: "SE"},
		VATNo:                   "SE101010101001",
		LegalEntity:             "consumer",
		Name:                    "Britt-Marie Axelstopp",
		EmailAddress:            "britt@axelstopp.com",
		ProtectedIdentity:       true,
		PreferredLanguageCode:   "SV",
		LegalStatus:             "active",
		MSISDN:                  "+91485918841",
		DistributionType:        "postal",
		TaxIdentificationNumber: "123456789",
		EDIAddressInfo:          &payexEDI,
		LegalAddress:            &payexLegal,
		BillingAddress:          &payexKalle,
		Version:                 2,
		CreatedAt:               today,
		UpdatedAt:               today.Add(time.Minute),
	}
	assertState(t, got, want)
}

// assertState compares two states field by field (pointers by value).
func assertState(t *testing.T, got, want domain.CustomerState) {
	t.Helper()
	eq := func(name string, g, w any) {
		t.Helper()
		if g != w {
			t.Errorf("%s: got %v, want %v", name, g, w)
		}
	}
	deref := func(p any) any {
		switch v := p.(type) {
		case *domain.NationalIdentifier:
			if v != nil {
				return *v
			}
		case *domain.EDIAddressInfo:
			if v != nil {
				return *v
			}
		case *domain.Address:
			if v != nil {
				return *v
			}
		}
		return nil
	}
	eq("CustomerNo", got.CustomerNo, want.CustomerNo)
	eq("NationalIdentifier", deref(got.NationalIdentifier), deref(want.NationalIdentifier))
	eq("VATNo", got.VATNo, want.VATNo)
	eq("LegalEntity", got.LegalEntity, want.LegalEntity)
	eq("Name", got.Name, want.Name)
	eq("EmailAddress", got.EmailAddress, want.EmailAddress)
	eq("ProtectedIdentity", got.ProtectedIdentity, want.ProtectedIdentity)
	eq("PreferredLanguageCode", got.PreferredLanguageCode, want.PreferredLanguageCode)
	eq("LegalStatus", got.LegalStatus, want.LegalStatus)
	eq("MSISDN", got.MSISDN, want.MSISDN)
	eq("DistributionType", got.DistributionType, want.DistributionType)
	eq("TaxIdentificationNumber", got.TaxIdentificationNumber, want.TaxIdentificationNumber)
	eq("EDIAddressInfo", deref(got.EDIAddressInfo), deref(want.EDIAddressInfo))
	eq("LegalAddress", deref(got.LegalAddress), deref(want.LegalAddress))
	eq("BillingAddress", deref(got.BillingAddress), deref(want.BillingAddress))
	eq("ActiveConsents", len(got.ActiveConsents), len(want.ActiveConsents))
	eq("Version", got.Version, want.Version)
	eq("CreatedAt", got.CreatedAt, want.CreatedAt)
	eq("UpdatedAt", got.UpdatedAt, want.UpdatedAt)
}

func TestCustomerCommandsOnMissingCustomer(t *testing.T) {
	patch, err := domain.ParsePatchCustomer(domain.PatchInput{EmailAddress: s("britt@axelstopp.com")})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		decide func(*domain.Customer) ([]domain.Event, error)
	}{
		{"Patch", func(c *domain.Customer) ([]domain.Event, error) { return c.Patch(patch) }},
		{"ReplaceLegalAddress", func(c *domain.Customer) ([]domain.Event, error) {
			return c.ReplaceLegalAddress(payexKalle, domain.SourceAPI)
		}},
		{"AddBillingAddress", func(c *domain.Customer) ([]domain.Event, error) { return c.AddBillingAddress(payexKalle) }},
		{"ReplaceBillingAddress", func(c *domain.Customer) ([]domain.Event, error) { return c.ReplaceBillingAddress(payexKalle) }},
		{"RemoveBillingAddress", func(c *domain.Customer) ([]domain.Event, error) { return c.RemoveBillingAddress() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events, err := tt.decide(new(domain.Customer))
			if !errors.Is(err, domain.ErrCustomerNotFound) || events != nil {
				t.Fatalf("got %v, %v; want ErrCustomerNotFound", events, err)
			}
			var e *domain.Error
			if !errors.As(err, &e) || e.Message == "" {
				t.Fatalf("error %v has no message", err)
			}
		})
	}
}
