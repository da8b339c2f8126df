package domain_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/nordledger/ledger/domain"
)

func TestParseCreateCustomerProtectedIdentity(t *testing.T) {
	ni := func(country, regNo string) domain.Field[domain.NationalIdentifierInput] {
		return domain.Set(domain.NationalIdentifierInput{RegNo: s(regNo), CountryCode: s(country)})
	}
	noNI := domain.Field[domain.NationalIdentifierInput]{}
	tests := []struct {
		name      string
		ni        domain.Field[domain.NationalIdentifierInput]
		addressCC string
		protected domain.Field[bool]
		want      []string
	}{
		{"SE identifier, true", ni("SE", tolvan), "SE", domain.Set(true), nil},
		{"SE identifier, foreign address, true", ni("SE", tolvan), "NO", domain.Set(true), nil},
		{"no identifier, SE address, true", noNI, "SE", domain.Set(true), nil},
		{"NO identifier, true", ni("NO", "15108695088"), "NO", domain.Set(true), sorted("protectedIdentity")},
		{"NO identifier, SE address, true", ni("NO", "15108695088"), "SE", domain.Set(true), sorted("protectedIdentity")},
		{"no identifier, NO address, true", noNI, "NO", domain.Set(true), sorted("protectedIdentity")},
		{"FI identifier, false", ni("FI", "131052-308T"), "FI", domain.Set(false), nil},
		{"NO identifier, null", ni("NO", "15108695088"), "NO", domain.Null[bool](), nil},
		// An invalid SE regNo is one problem; the customer is still Swedish by its identifier.
		{"invalid SE identifier, NO address, true", ni("SE", "19121212-1213"), "NO", domain.Set(true), sorted("nationalIdentifier.regNo")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, problems := createWith(t, func(in *domain.CustomerInput) {
				in.NationalIdentifier = tt.ni
				a := validAddress()
				a.CountryCode = s(tt.addressCC)
				if tt.addressCC == "NO" {
					a.ZipCode = s("0154")
				}
				in.LegalAddress = domain.Set(a)
				in.ProtectedIdentity = tt.protected
			})
			if !slices.Equal(problems, tt.want) {
				t.Fatalf("problems: got %v, want %v", problems, tt.want)
			}
			if want := tt.protected.HasValue() && tt.protected.Value; problems == nil && got.ProtectedIdentity != want {
				t.Fatalf("protectedIdentity: got %v, want %v", got.ProtectedIdentity, want)
			}
		})
	}
}

func TestPatchProtectedIdentity(t *testing.T) {
	swedish := validInput()
	norwegian := validInput()
	norwegian.NationalIdentifier = domain.Set(domain.NationalIdentifierInput{RegNo: s("15108695088"), CountryCode: s("NO")})
	addressOnlyNO := minimalInput()
	a := validAddress()
	a.CountryCode, a.ZipCode = s("NO"), s("0154")
	addressOnlyNO.LegalAddress = domain.Set(a)

	tests := []struct {
		name      string
		customer  domain.CustomerInput
		protected domain.Field[bool]
		wantErr   bool
		wantSet   bool
	}{
		{"Swedish, true", swedish, domain.Set(true), false, true},
		{"Swedish, false (unchanged)", swedish, domain.Set(false), false, false},
		{"Norwegian, true", norwegian, domain.Set(true), true, false},
		{"no identifier, Norwegian address, true", addressOnlyNO, domain.Set(true), true, false},
		{"Norwegian, false (unchanged)", norwegian, domain.Set(false), false, false},
		{"Norwegian, null (already absent)", norwegian, domain.Null[bool](), false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCustomer(t, tt.customer)
			cmd, err := domain.ParsePatchCustomer(domain.PatchInput{ProtectedIdentity: tt.protected})
			if err != nil {
				t.Fatal(err)
			}
			events, err := c.Patch(cmd)
			if tt.wantErr {
				if got := problemNames(t, err); !slices.Equal(got, []string{"protectedIdentity"}) {
					t.Fatalf("problems: got %v", got)
				}
				if !errors.Is(err, domain.ErrValidation) || events != nil {
					t.Fatalf("got %v, %v", events, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tt.wantSet {
				if len(events) != 0 {
					t.Fatalf("got events %+v, want none", events)
				}
				return
			}
			want := []domain.Event{domain.CustomerDetailsChanged{Set: domain.DetailChanges{ProtectedIdentity: ptr(true)}}}
			assertEvents(t, events, want)
			apply(t, c, events...)
			if !c.State().ProtectedIdentity {
				t.Fatal("state: protectedIdentity not set")
			}
			// Removing it again (null) is a change back to false.
			cmd, _ = domain.ParsePatchCustomer(domain.PatchInput{ProtectedIdentity: domain.Null[bool]()})
			events, err = c.Patch(cmd)
			if err != nil {
				t.Fatal(err)
			}
			assertEvents(t, events, []domain.Event{domain.CustomerDetailsChanged{Removed: []string{"protectedIdentity"}}})
		})
	}
}
