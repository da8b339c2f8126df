package domain_test

import (
	"testing"

	"github.com/nordledger/ledger/domain"
)

// The PayEx document's example requests, as the HTTP layer hands them to the domain, with
// "YYYYMMDD-NNNN" replaced by Tolvan and "consumer|business" by each of the two.

// payexBillingAddress is the billing address of "Create customer with billing-address" and the
// body of the billing-address POST and PUT and legal-address PUT examples.
func payexBillingAddress() domain.AddressInput {
	return domain.AddressInput{
		Addressee:     s("Kalle Axelstopp"),
		StreetAddress: s("Axelgatan 18"),
		City:          s("STOCKHOLM"),
		ZipCode:       s("16872"),
		CountryCode:   s("SE"),
	}
}

var (
	payexLegal = domain.Address{Addressee: "Britt-Marie Axelstopp", StreetAddress: "The street 18", CoAddress: "c/o Jansson", City: "STOCKHOLM", ZipCode: "15961", CountryCode: "SE"}
	payexKalle = domain.Address{Addressee: "Kalle Axelstopp", StreetAddress: "Axelgatan 18", City: "STOCKHOLM", ZipCode: "16872", CountryCode: "SE"}
	payexEDI   = domain.EDIAddressInfo{VAN: "ABCXYZ", InterChangeRecipient: "Recipient_ID1", BuyerID: "123456"}
)

func TestPayExCreateExamples(t *testing.T) {
	for _, entity := range []string{"consumer", "business"} {
		standard := validInput()
		standard.LegalEntity = s(entity)
		withBilling := validInput()
		withBilling.LegalEntity = s(entity)
		withBilling.MSISDN = s("+91485918841")
		withBilling.DistributionType = domain.Field[string]{}
		withBilling.TaxIdentificationNumber = domain.Field[string]{}
		withBilling.BillingAddress = domain.Set(payexBillingAddress())

		created := domain.CustomerCreated{
			CustomerNo:              "9999",
			NationalIdentifier:      &domain.NationalIdentifier{RegNo: tolvan, CountryCode: "SE"},
			VATNo:                   "SE101010101001",
			LegalEntity:             entity,
			Name:                    "Britt-Marie Axelstopp",
			EmailAddress:            "britt@axelstopp.com",
			LegalStatus:             "active",
			MSISDN:                  "+91485918841",
			DistributionType:        "postal",
			TaxIdentificationNumber: "123456789",
			EDIAddressInfo:          &payexEDI,
			LegalAddress:            payexLegal,
			Source:                  domain.SourceAPI,
		}
		createdWithBilling := created
		createdWithBilling.DistributionType, createdWithBilling.TaxIdentificationNumber = "", ""

		tests := []struct {
			name string
			in   domain.CustomerInput
			want []domain.Event
		}{
			{"standard create customer", standard, []domain.Event{created}},
			{"create customer with billing-address", withBilling, []domain.Event{createdWithBilling, domain.BillingAddressAdded{Address: payexKalle}}},
		}
		for _, tt := range tests {
			t.Run(tt.name+"/"+entity, func(t *testing.T) {
				cmd, err := domain.ParseCreateCustomer(tt.in, sePolicy, today)
				if err != nil {
					t.Fatalf("rejected: %v", err)
				}
				c := new(domain.Customer)
				events, err := c.Create(cmd)
				if err != nil {
					t.Fatal(err)
				}
				assertEvents(t, events, tt.want)
				apply(t, c, events...)
				st := c.State()
				if st.CustomerNo != "9999" || *st.LegalAddress != payexLegal || st.Version != uint64(len(events)) {
					t.Fatalf("state: %+v", st)
				}
			})
		}
	}
}

func TestPayExPatchExamples(t *testing.T) {
	tests := []struct {
		name string
		in   domain.PatchInput
		want []domain.Event // applied to the customer of "Standard create customer"
	}{
		{
			"update all properties",
			domain.PatchInput{
				EmailAddress:            s("britt@axelstopp.com"),
				ProtectedIdentity:       domain.Set(false),
				PreferredLanguageCode:   s("SV"),
				LegalStatus:             s("active"),
				MSISDN:                  s("+91485918841"),
				EDIAddressInfo:          domain.Set(domain.EDIAddressInfoInput{VAN: s("ABCXYZ"), InterChangeRecipient: s("Recipient_ID1"), BuyerID: s("123456")}),
				DistributionType:        s("postal"),
				TaxIdentificationNumber: s("987654321"),
			},
			[]domain.Event{domain.CustomerDetailsChanged{Set: domain.DetailChanges{PreferredLanguageCode: ptr("SV"), TaxIdentificationNumber: ptr("987654321")}}},
		},
		{
			"update only emailAddress (to the value it has)",
			domain.PatchInput{EmailAddress: s("britt@axelstopp.com")},
			nil,
		},
		{
			"update emailAddress and delete msisdn",
			domain.PatchInput{EmailAddress: s("britt@axelstopp.com"), MSISDN: domain.Null[string]()},
			[]domain.Event{domain.CustomerDetailsChanged{Removed: []string{"msisdn"}}},
		},
		{
			"remove EDIAddressInfo",
			domain.PatchInput{EDIAddressInfo: domain.Null[domain.EDIAddressInfoInput]()},
			[]domain.Event{domain.CustomerDetailsChanged{Removed: []string{"eDIAddressInfo"}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd, err := domain.ParsePatchCustomer(tt.in)
			if err != nil {
				t.Fatalf("rejected: %v", err)
			}
			c := newCustomer(t, validInput())
			events, err := c.Patch(cmd)
			if err != nil {
				t.Fatal(err)
			}
			assertEvents(t, events, tt.want)
			apply(t, c, events...)
			// The same PATCH again changes nothing.
			again, err := c.Patch(cmd)
			if err != nil || len(again) != 0 {
				t.Fatalf("repeated PATCH: got %s, %v; want no events", dump(again), err)
			}
		})
	}
}

func TestPayExAddressExamples(t *testing.T) {
	tests := []struct {
		name string
		in   domain.AddressInput
		want domain.Address
	}{
		{"legal-address PUT", payexBillingAddress(), payexKalle},
		{"billing-address POST", payexBillingAddress(), payexKalle},
		{"billing-address PUT", payexBillingAddress(), payexKalle},
		{"legal address of the GET example", validAddress(), payexLegal},
		{
			"billing address of the $expand GET example (lower-case country code)",
			domain.AddressInput{Addressee: s("Kalle Axelstopp"), StreetAddress: s("Axelgatan 18"), City: s("STOCKHOLM"), ZipCode: s("16872"), CountryCode: s("se")},
			payexKalle,
		},
		{
			"billing address of the billing-address GET example",
			domain.AddressInput{Addressee: s("Kalle Axelstopp"), StreetAddress: s("Axelgatan 18"), CoAddress: s("c/o Jansson"), City: s("STOCKHOLM"), ZipCode: s("16872"), CountryCode: s("SE")},
			domain.Address{Addressee: "Kalle Axelstopp", StreetAddress: "Axelgatan 18", CoAddress: "c/o Jansson", City: "STOCKHOLM", ZipCode: "16872", CountryCode: "SE"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, field := range []string{"", "legalAddress", "billingAddress"} {
				got, err := domain.ParseAddress(tt.in, field)
				if err != nil {
					t.Fatalf("rejected: %v", err)
				}
				if got != tt.want {
					t.Fatalf("got %+v, want %+v", got, tt.want)
				}
			}
		})
	}

	// The bodies as commands on the customer of "Standard create customer".
	c := newCustomer(t, validInput())
	events, err := c.ReplaceLegalAddress(payexKalle, domain.SourceAPI)
	if err != nil {
		t.Fatal(err)
	}
	assertEvents(t, events, []domain.Event{domain.LegalAddressReplaced{Address: payexKalle, Source: domain.SourceAPI}})
	if events, err = c.AddBillingAddress(payexKalle); err != nil {
		t.Fatal(err)
	}
	assertEvents(t, events, []domain.Event{domain.BillingAddressAdded{Address: payexKalle}})
	apply(t, c, events...)
	if events, err = c.ReplaceBillingAddress(payexKalle); err != nil || len(events) != 0 {
		t.Fatalf("PUT of the same billing address: got %s, %v; want no events", dump(events), err)
	}
	if events, err = c.RemoveBillingAddress(); err != nil {
		t.Fatal(err)
	}
	assertEvents(t, events, []domain.Event{domain.BillingAddressRemoved{}})
}

// TestPayExNationalIdentifierExamples: the nationalIdentifier of the find-customer and
// generate-consumer-customer-by-reg-no examples, and the forms a fiscal number is looked up by.
func TestPayExNationalIdentifierExamples(t *testing.T) {
	for _, regNo := range []string{tolvan, "191212121212", "121212+1212"} {
		got, _, err := domain.ParseNationalIdentifier(domain.NationalIdentifierInput{RegNo: s(regNo), CountryCode: s("SE")}, "nationalIdentifier", today)
		if err != nil {
			t.Fatalf("%s: %v", regNo, err)
		}
		if want := (domain.NationalIdentifier{RegNo: tolvan, CountryCode: "SE"}); got != want {
			t.Fatalf("%s: got %+v, want %+v", regNo, got, want)
		}
	}
}
