package domain_test

import (
	"slices"
	"testing"

	"github.com/nordledger/ledger/domain"
)

// TestParseCreateCustomerEnums: the enumerations are case-insensitive in (ASCII only, surrounding
// whitespace ignored) and canonical out; anything else is a problem naming the property.
func TestParseCreateCustomerEnums(t *testing.T) {
	const bad = ""
	type enumCase struct{ in, want string }
	tests := []struct {
		prop  string
		field func(*domain.CustomerInput) *domain.Field[string]
		got   func(domain.CustomerCreated) string
		cases []enumCase
	}{
		{
			domain.PropLegalEntity,
			func(in *domain.CustomerInput) *domain.Field[string] { return &in.LegalEntity },
			func(e domain.CustomerCreated) string { return e.LegalEntity },
			[]enumCase{
				{"consumer", "consumer"}, {"CONSUMER", "consumer"}, {"Consumer", "consumer"},
				{"business", "business"}, {"BUSINESS", "business"}, {"bUsInEsS", "business"},
				{" business ", "business"},
				{"consumer|business", bad}, {"private", bad}, {"company", bad}, {"", bad},
				{"buſineſſ", bad}, // U+017F folds to "s" in Unicode, not in ASCII
				{"consumers", bad},
			},
		},
		{
			domain.PropLegalStatus,
			func(in *domain.CustomerInput) *domain.Field[string] { return &in.LegalStatus },
			func(e domain.CustomerCreated) string { return e.LegalStatus },
			[]enumCase{
				{"active", "active"}, {"ACTIVE", "active"}, {"deceased", "deceased"}, {"Deceased", "deceased"},
				{"\tdeceased\n", "deceased"},
				{"dead", bad}, {"inactive", bad}, {"", bad},
			},
		},
		{
			domain.PropPreferredLanguageCode,
			func(in *domain.CustomerInput) *domain.Field[string] { return &in.PreferredLanguageCode },
			func(e domain.CustomerCreated) string { return e.PreferredLanguageCode },
			[]enumCase{
				{"SV", "SV"}, {"sv", "SV"}, {"Sv", "SV"}, {"NO", "NO"}, {"no", "NO"}, {"DA", "DA"},
				{"da", "DA"}, {"FI", "FI"}, {"fi", "FI"}, {"EN", "EN"}, {"en", "EN"}, {" en ", "EN"},
				{"SE", bad}, {"DK", bad}, {"swe", bad}, {"sv-SE", bad}, {"DE", bad}, {"", bad},
			},
		},
		{
			domain.PropDistributionType,
			func(in *domain.CustomerInput) *domain.Field[string] { return &in.DistributionType },
			func(e domain.CustomerCreated) string { return e.DistributionType },
			[]enumCase{
				{"postal", "postal"}, {"POSTAL", "postal"}, {"noDistribution", "noDistribution"},
				{"nodistribution", "noDistribution"}, {"NODISTRIBUTION", "noDistribution"},
				{"no distribution", bad}, {"email", bad}, {"EInvoice", bad}, {"", bad},
			},
		},
	}
	for _, tt := range tests {
		for _, c := range tt.cases {
			t.Run(tt.prop+"/"+c.in, func(t *testing.T) {
				got, problems := createWith(t, func(in *domain.CustomerInput) { *tt.field(in) = s(c.in) })
				if c.want == bad {
					if want := []string{tt.prop}; !slices.Equal(problems, want) {
						t.Fatalf("problems: got %v, want %v", problems, want)
					}
					return
				}
				if problems != nil {
					t.Fatalf("unexpected problems %v", problems)
				}
				if g := tt.got(got); g != c.want {
					t.Fatalf("got %q, want %q", g, c.want)
				}
			})
		}
	}
}

func TestParseCreateCustomerEnumDefaults(t *testing.T) {
	got, problems := create(t, minimalInput(), sePolicy)
	if problems != nil {
		t.Fatal(problems)
	}
	if got.LegalStatus != domain.LegalStatusActive {
		t.Errorf("legalStatus: got %q, want %q", got.LegalStatus, domain.LegalStatusActive)
	}
	if got.LegalEntity != "" || got.PreferredLanguageCode != "" || got.DistributionType != "" {
		t.Errorf("unset enumerations got values: %+v", got)
	}
	if got.Source != domain.SourceAPI {
		t.Errorf("source: got %q, want %q", got.Source, domain.SourceAPI)
	}
}
