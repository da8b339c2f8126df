package domain_test

import (
	"testing"

	"github.com/nordledger/ledger/domain"
)

// TestCustomerPatch: absent leaves a property unchanged, null removes it, a value sets it; only
// real changes become an event.
func TestCustomerPatch(t *testing.T) {
	full := validInput() // email, msisdn, EDI, distributionType, taxIdentificationNumber set
	full.PreferredLanguageCode = s("SV")
	full.LegalStatus = s("deceased")
	full.ProtectedIdentity = domain.Set(true)
	bare := minimalInput() // none of them set; legalStatus active

	otherEDI := domain.EDIAddressInfo{BuyerID: "999"}
	type change = domain.CustomerDetailsChanged
	tests := []struct {
		name     string
		customer domain.CustomerInput
		in       domain.PatchInput
		want     []domain.Event
		check    func(domain.CustomerState) bool // the state after applying want
	}{
		{"empty patch", full, domain.PatchInput{}, nil, nil},
		{"empty patch, bare customer", bare, domain.PatchInput{}, nil, nil},
		{"same email", full, domain.PatchInput{EmailAddress: s("britt@axelstopp.com")}, nil, nil},
		{"same email, surrounding space", full, domain.PatchInput{EmailAddress: s(" britt@axelstopp.com ")}, nil, nil},
		{"new email", full, domain.PatchInput{EmailAddress: s("kalle@axelstopp.com")},
			[]domain.Event{change{Set: domain.DetailChanges{EmailAddress: ptr("kalle@axelstopp.com")}}},
			func(s domain.CustomerState) bool { return s.EmailAddress == "kalle@axelstopp.com" }},
		{"email on bare", bare, domain.PatchInput{EmailAddress: s("kalle@axelstopp.com")},
			[]domain.Event{change{Set: domain.DetailChanges{EmailAddress: ptr("kalle@axelstopp.com")}}},
			func(s domain.CustomerState) bool { return s.EmailAddress == "kalle@axelstopp.com" }},
		{"remove email", full, domain.PatchInput{EmailAddress: domain.Null[string]()},
			[]domain.Event{change{Removed: []string{"emailAddress"}}},
			func(s domain.CustomerState) bool { return s.EmailAddress == "" }},
		{"remove absent email", bare, domain.PatchInput{EmailAddress: domain.Null[string]()}, nil, nil},
		{"remove msisdn", full, domain.PatchInput{MSISDN: domain.Null[string]()},
			[]domain.Event{change{Removed: []string{"msisdn"}}},
			func(s domain.CustomerState) bool { return s.MSISDN == "" }},
		{"remove absent msisdn", bare, domain.PatchInput{MSISDN: domain.Null[string]()}, nil, nil},
		{"legalStatus same", full, domain.PatchInput{LegalStatus: s("DECEASED")}, nil, nil},
		{"legalStatus deceased", bare, domain.PatchInput{LegalStatus: s("Deceased")},
			[]domain.Event{change{Set: domain.DetailChanges{LegalStatus: ptr("deceased")}}},
			func(s domain.CustomerState) bool { return s.LegalStatus == "deceased" }},
		{"legalStatus active when active", bare, domain.PatchInput{LegalStatus: s("active")}, nil, nil},
		{"legalStatus null goes back to active", full, domain.PatchInput{LegalStatus: domain.Null[string]()},
			[]domain.Event{change{Removed: []string{"legalStatus"}}},
			func(s domain.CustomerState) bool { return s.LegalStatus == "active" }},
		{"legalStatus null when active", bare, domain.PatchInput{LegalStatus: domain.Null[string]()}, nil, nil},
		{"legalStatus active when deceased", full, domain.PatchInput{LegalStatus: s("active")},
			[]domain.Event{change{Set: domain.DetailChanges{LegalStatus: ptr("active")}}},
			func(s domain.CustomerState) bool { return s.LegalStatus == "active" }},
		{"language same (other case)", full, domain.PatchInput{PreferredLanguageCode: s("sv")}, nil, nil},
		{"language new", full, domain.PatchInput{PreferredLanguageCode: s("en")},
			[]domain.Event{change{Set: domain.DetailChanges{PreferredLanguageCode: ptr("EN")}}},
			func(s domain.CustomerState) bool { return s.PreferredLanguageCode == "EN" }},
		{"remove language", full, domain.PatchInput{PreferredLanguageCode: domain.Null[string]()},
			[]domain.Event{change{Removed: []string{"preferredLanguageCode"}}},
			func(s domain.CustomerState) bool { return s.PreferredLanguageCode == "" }},
		{"protectedIdentity same", full, domain.PatchInput{ProtectedIdentity: domain.Set(true)}, nil, nil},
		{"protectedIdentity false", full, domain.PatchInput{ProtectedIdentity: domain.Set(false)},
			[]domain.Event{change{Set: domain.DetailChanges{ProtectedIdentity: ptr(false)}}},
			func(s domain.CustomerState) bool { return !s.ProtectedIdentity }},
		{"protectedIdentity null when false", bare, domain.PatchInput{ProtectedIdentity: domain.Null[bool]()}, nil, nil},
		{"distributionType same", full, domain.PatchInput{DistributionType: s("Postal")}, nil, nil},
		{"distributionType new", full, domain.PatchInput{DistributionType: s("noDistribution")},
			[]domain.Event{change{Set: domain.DetailChanges{DistributionType: ptr("noDistribution")}}},
			func(s domain.CustomerState) bool { return s.DistributionType == "noDistribution" }},
		{"remove distributionType", full, domain.PatchInput{DistributionType: domain.Null[string]()},
			[]domain.Event{change{Removed: []string{"distributionType"}}},
			func(s domain.CustomerState) bool { return s.DistributionType == "" }},
		{"taxIdentificationNumber same", full, domain.PatchInput{TaxIdentificationNumber: s("123456789")}, nil, nil},
		{"remove taxIdentificationNumber", full, domain.PatchInput{TaxIdentificationNumber: domain.Null[string]()},
			[]domain.Event{change{Removed: []string{"taxIdentificationNumber"}}},
			func(s domain.CustomerState) bool { return s.TaxIdentificationNumber == "" }},
		{"EDI same", full, domain.PatchInput{EDIAddressInfo: domain.Set(domain.EDIAddressInfoInput{VAN: s("ABCXYZ"), InterChangeRecipient: s("Recipient_ID1"), BuyerID: s("123456")})}, nil, nil},
		{"EDI replaced as a whole", full, domain.PatchInput{EDIAddressInfo: domain.Set(domain.EDIAddressInfoInput{BuyerID: s("999")})},
			[]domain.Event{change{Set: domain.DetailChanges{EDIAddressInfo: &otherEDI}}},
			func(s domain.CustomerState) bool { return s.EDIAddressInfo != nil && *s.EDIAddressInfo == otherEDI }},
		{"EDI on bare", bare, domain.PatchInput{EDIAddressInfo: domain.Set(domain.EDIAddressInfoInput{BuyerID: s("999")})},
			[]domain.Event{change{Set: domain.DetailChanges{EDIAddressInfo: &otherEDI}}},
			func(s domain.CustomerState) bool { return s.EDIAddressInfo != nil && *s.EDIAddressInfo == otherEDI }},
		{"remove EDI", full, domain.PatchInput{EDIAddressInfo: domain.Null[domain.EDIAddressInfoInput]()},
			[]domain.Event{change{Removed: []string{"eDIAddressInfo"}}},
			func(s domain.CustomerState) bool { return s.EDIAddressInfo == nil }},
		{"remove absent EDI", bare, domain.PatchInput{EDIAddressInfo: domain.Null[domain.EDIAddressInfoInput]()}, nil, nil},
		{"remove everything from bare", bare, domain.PatchInput{
			EmailAddress: domain.Null[string](), LegalStatus: domain.Null[string](), PreferredLanguageCode: domain.Null[string](),
			ProtectedIdentity: domain.Null[bool](), MSISDN: domain.Null[string](), DistributionType: domain.Null[string](),
			TaxIdentificationNumber: domain.Null[string](), EDIAddressInfo: domain.Null[domain.EDIAddressInfoInput](),
		}, nil, nil},
		{"remove everything from full", full, domain.PatchInput{
			EmailAddress: domain.Null[string](), LegalStatus: domain.Null[string](), PreferredLanguageCode: domain.Null[string](),
			ProtectedIdentity: domain.Null[bool](), MSISDN: domain.Null[string](), DistributionType: domain.Null[string](),
			TaxIdentificationNumber: domain.Null[string](), EDIAddressInfo: domain.Null[domain.EDIAddressInfoInput](),
		}, []domain.Event{change{Removed: []string{"emailAddress", "legalStatus", "preferredLanguageCode", "msisdn",
			"distributionType", "taxIdentificationNumber", "protectedIdentity", "eDIAddressInfo"}}},
			func(s domain.CustomerState) bool {
				return s.EmailAddress == "" && s.LegalStatus == "active" && s.PreferredLanguageCode == "" && !s.ProtectedIdentity &&
					s.MSISDN == "" && s.DistributionType == "" && s.TaxIdentificationNumber == "" && s.EDIAddressInfo == nil
			}},
		{"set one, remove another, leave the rest", full, domain.PatchInput{EmailAddress: s("kalle@axelstopp.com"), MSISDN: domain.Null[string]()},
			[]domain.Event{change{Set: domain.DetailChanges{EmailAddress: ptr("kalle@axelstopp.com")}, Removed: []string{"msisdn"}}},
			func(s domain.CustomerState) bool {
				return s.EmailAddress == "kalle@axelstopp.com" && s.MSISDN == "" && s.TaxIdentificationNumber == "123456789" && s.LegalStatus == "deceased"
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCustomer(t, tt.customer)
			before := c.State()
			cmd, err := domain.ParsePatchCustomer(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			events, err := c.Patch(cmd)
			if err != nil {
				t.Fatal(err)
			}
			assertEvents(t, events, tt.want)
			if len(events) == 0 {
				return
			}
			apply(t, c, events...)
			if !tt.check(c.State()) {
				t.Fatalf("state after %s: %+v", dump(events), c.State())
			}
			// The same patch again changes nothing, and what a PATCH may not touch is untouched.
			again, err := c.Patch(cmd)
			if err != nil || len(again) != 0 {
				t.Fatalf("repeated patch: got %s, %v; want no events", dump(again), err)
			}
			after := c.State()
			if after.Name != before.Name || after.CustomerNo != before.CustomerNo || *after.LegalAddress != *before.LegalAddress {
				t.Fatalf("patch changed properties it may not change: %+v", after)
			}
		})
	}
}
