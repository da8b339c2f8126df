package domain_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/nordledger/ledger/domain"
)

// tolvanInRegister is Tolvan Tolvansson as a population register holds him.
var tolvanInRegister = domain.RegisteredPerson{
	NationalIdentifier: domain.NationalIdentifier{RegNo: "19121212-1212", CountryCode: "SE"},
	Name:               "Tolvan Tolvansson",
	Address:            domain.Address{Addressee: "Tolvan Tolvansson", StreetAddress: "Tolvansgatan 12", City: "STOCKHOLM", ZipCode: "11212", CountryCode: "SE"},
}

func TestParseRegisteredPerson(t *testing.T) {
	valid := func() domain.RegisteredPersonInput {
		return domain.RegisteredPersonInput{
			NationalIdentifier: domain.NationalIdentifierInput{RegNo: s("191212121212"), CountryCode: s("se")},
			Name:               s(" Tolvan Tolvansson "),
			Address: domain.AddressInput{Addressee: s("Tolvan Tolvansson"), StreetAddress: s("Tolvansgatan 12"),
				City: s("STOCKHOLM"), ZipCode: s("112 12"), CountryCode: s("se")},
		}
	}
	got, err := domain.ParseRegisteredPerson(valid(), today)
	if err != nil {
		t.Fatal(err)
	}
	if got != tolvanInRegister {
		t.Fatalf("got %+v, want %+v", got, tolvanInRegister)
	}
	tests := []struct {
		name string
		edit func(*domain.RegisteredPersonInput)
		want []string
	}{
		{"no name", func(in *domain.RegisteredPersonInput) { in.Name = domain.Field[string]{} }, []string{"name"}},
		{"bad regNo", func(in *domain.RegisteredPersonInput) { in.NationalIdentifier.RegNo = s("19121212-1213") }, []string{"nationalIdentifier.regNo"}},
		{"city too long", func(in *domain.RegisteredPersonInput) { in.Address.City = s("ABCDEFGHIJKLMNOPQRSTUVWXYZAB") }, []string{"address.city"}},
		{"zip code not Swedish", func(in *domain.RegisteredPersonInput) { in.Address.ZipCode = s("ABC") }, []string{"address.zipCode"}},
		{"zip code not Norwegian", func(in *domain.RegisteredPersonInput) { in.Address.CountryCode = s("NO") }, []string{"address.zipCode"}},
		{"protected outside Sweden", func(in *domain.RegisteredPersonInput) {
			in.NationalIdentifier = domain.NationalIdentifierInput{RegNo: s("15108695088"), CountryCode: s("NO")}
			in.ProtectedIdentity = true
		}, []string{"protectedIdentity"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := valid()
			tt.edit(&in)
			_, err := domain.ParseRegisteredPerson(in, today)
			if got := problemNames(t, err); !slices.Equal(got, tt.want) {
				t.Fatalf("problems: got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestUpdateFromPopulationRegister(t *testing.T) {
	protected := tolvanInRegister
	protected.ProtectedIdentity = true
	sameAddress := tolvanInRegister
	sameAddress.Address = payexLegal
	tests := []struct {
		name   string
		person domain.RegisteredPerson
		want   []domain.Event
	}{
		{"new address", tolvanInRegister, []domain.Event{
			domain.LegalAddressReplaced{Address: tolvanInRegister.Address, Source: domain.SourcePopulationRegister}}},
		{"same address", sameAddress, nil},
		{"protected identity", protected, []domain.Event{
			domain.LegalAddressReplaced{Address: tolvanInRegister.Address, Source: domain.SourcePopulationRegister},
			domain.CustomerDetailsChanged{Set: domain.DetailChanges{ProtectedIdentity: ptr(true)}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCustomer(t, validInput())
			events, err := c.UpdateFromPopulationRegister(tt.person)
			if err != nil {
				t.Fatal(err)
			}
			assertEvents(t, events, tt.want)
			apply(t, c, events...)
			st := c.State()
			if *st.LegalAddress != tt.person.Address || st.ProtectedIdentity != tt.person.ProtectedIdentity {
				t.Fatalf("state: %+v protected %v", *st.LegalAddress, st.ProtectedIdentity)
			}
			again, err := c.UpdateFromPopulationRegister(tt.person)
			if err != nil || len(again) != 0 {
				t.Fatalf("the same answer again: %v, %v; want nothing", dump(again), err)
			}
		})
	}

	t.Run("the register never lowers protection", func(t *testing.T) {
		in := validInput()
		in.ProtectedIdentity = domain.Set(true)
		c := newCustomer(t, in)
		events, err := c.UpdateFromPopulationRegister(tolvanInRegister)
		if err != nil {
			t.Fatal(err)
		}
		assertEvents(t, events, []domain.Event{domain.LegalAddressReplaced{Address: tolvanInRegister.Address, Source: domain.SourcePopulationRegister}})
	})
	t.Run("no national identifier", func(t *testing.T) {
		c := newCustomer(t, minimalInput())
		if _, err := c.State().PopulationRegisterKey(); !errors.Is(err, domain.ErrConflict) {
			t.Fatalf("PopulationRegisterKey: %v, want a conflict", err)
		}
		if _, err := c.UpdateFromPopulationRegister(tolvanInRegister); !errors.Is(err, domain.ErrConflict) {
			t.Fatalf("got %v, want a conflict", err)
		}
	})
	t.Run("another person", func(t *testing.T) {
		c := newCustomer(t, validInput())
		other := tolvanInRegister
		other.NationalIdentifier.RegNo = "19811218-9876"
		if _, err := c.UpdateFromPopulationRegister(other); !errors.Is(err, domain.ErrConflict) {
			t.Fatalf("got %v, want a conflict", err)
		}
	})
	t.Run("no customer", func(t *testing.T) {
		if _, err := new(domain.Customer).UpdateFromPopulationRegister(tolvanInRegister); !errors.Is(err, domain.ErrCustomerNotFound) {
			t.Fatalf("got %v, want customer-not-found", err)
		}
	})
}

func TestGenerateCustomer(t *testing.T) {
	// The document's example.
	in := domain.GenerateCustomerInput{
		NationalIdentifier: domain.Set(domain.NationalIdentifierInput{RegNo: s(tolvan), CountryCode: s("SE")}),
		EmailAddress:       s("britt@axelstopp.com"),
		MSISDN:             s("+91485918841"),
		CustomerNo:         s("9999"),
	}
	g, err := domain.ParseGenerateCustomer(in, sePolicy, today)
	if err != nil {
		t.Fatal(err)
	}
	if g.NationalIdentifier() != tolvanInRegister.NationalIdentifier {
		t.Fatalf("national identifier %+v", g.NationalIdentifier())
	}
	person := tolvanInRegister
	person.ProtectedIdentity = true
	cmd, err := g.FromRegister(person)
	if err != nil {
		t.Fatal(err)
	}
	events, err := new(domain.Customer).Create(cmd)
	if err != nil {
		t.Fatal(err)
	}
	ni := tolvanInRegister.NationalIdentifier
	assertEvents(t, events, []domain.Event{domain.CustomerCreated{
		CustomerNo: "9999", NationalIdentifier: &ni, LegalEntity: "consumer", Name: "Tolvan Tolvansson",
		EmailAddress: "britt@axelstopp.com", ProtectedIdentity: true, LegalStatus: "active", MSISDN: "+91485918841",
		LegalAddress: tolvanInRegister.Address, Source: domain.SourcePopulationRegister,
	}})

	other := person
	other.NationalIdentifier.RegNo = "19811218-9876"
	if _, err := g.FromRegister(other); !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("another person: %v, want a conflict", err)
	}

	generating := sePolicy
	generating.GenerateCustomerNumbers = true
	tests := []struct {
		name   string
		edit   func(*domain.GenerateCustomerInput)
		policy domain.LedgerPolicy
		want   []string
	}{
		{"customerNo optional where generated", func(in *domain.GenerateCustomerInput) { in.CustomerNo = domain.Field[string]{} }, generating, nil},
		{"customerNo refused where generated", func(*domain.GenerateCustomerInput) {}, generating, []string{"customerNo"}},
		{"customerNo required otherwise", func(in *domain.GenerateCustomerInput) { in.CustomerNo = domain.Field[string]{} }, sePolicy, []string{"customerNo"}},
		{"organisation number", func(in *domain.GenerateCustomerInput) {
			in.NationalIdentifier = domain.Set(domain.NationalIdentifierInput{RegNo: s("556036-0793"), CountryCode: s("SE")})
		}, sePolicy, []string{"nationalIdentifier.regNo"}},
		{"everything wrong", func(in *domain.GenerateCustomerInput) {
			in.CustomerNo = s("0123")
			in.NationalIdentifier = domain.Field[domain.NationalIdentifierInput]{}
			in.EmailAddress = s("no-at-sign")
			in.MSISDN = s("123")
		}, sePolicy, sorted("customerNo", "nationalIdentifier", "emailAddress", "msisdn")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := in
			tt.edit(&in)
			_, err := domain.ParseGenerateCustomer(in, tt.policy, today)
			var got []string
			if err != nil {
				got = problemNames(t, err)
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("problems: got %v, want %v", got, tt.want)
			}
		})
	}
}
