package domain_test

import (
	"slices"
	"testing"

	"github.com/nordledger/ledger/domain"
)

func TestParseCreateCustomerVATNo(t *testing.T) {
	const bad = ""
	tests := []struct {
		in   domain.Field[string]
		want string // stored vatNo; bad = rejected
	}{
		{s("SE101010101001"), "SE101010101001"}, // the PayEx example
		{s("se101010101001"), "SE101010101001"},
		{s("SE 1010101010 01"), "SE101010101001"},
		{s("SE556036079301"), "SE556036079301"}, // Saab
		{s("SE101010101002"), bad},              // must end in 01
		{s("SE101010101101"), bad},              // Luhn
		{s("SE10101010100"), bad},               // too few digits
		{s("SE1010101010011"), bad},             // too many digits
		{s("NO995525828MVA"), "NO995525828MVA"},
		{s("NO995525829MVA"), bad},
		{s("DK13585628"), "DK13585628"},
		{s("DK13585627"), bad},
		{s("FI20774740"), "FI20774740"},
		{s("FI20774741"), bad},
		{s("DE12345"), "DE12345"},                     // 7 characters
		{s("DE123456789012345"), "DE123456789012345"}, // 17 characters
		{s("DE1234"), bad},                            // 6 characters
		{s("DE1234567890123456"), bad},                // 18 characters
		{s("1234567890"), bad},                        // no country prefix
		{s("D1234567890"), bad},                       // one letter
		{s("DE12345-678"), bad},                       // hyphen
		{s(""), bad},                                  //
		{s("   "), bad},                               //
		{domain.Field[string]{}, ""},                  // absent: no vatNo
		{domain.Null[string](), ""},                   // null: no vatNo
	}
	for _, tt := range tests {
		t.Run(tt.in.Value, func(t *testing.T) {
			got, problems := createWith(t, func(in *domain.CustomerInput) { in.VATNo = tt.in })
			if tt.want == bad && tt.in.HasValue() {
				if want := []string{domain.PropVATNo}; !slices.Equal(problems, want) {
					t.Fatalf("problems: got %v, want %v", problems, want)
				}
				return
			}
			if problems != nil {
				t.Fatalf("unexpected problems %v", problems)
			}
			if got.VATNo != tt.want {
				t.Fatalf("got %q, want %q", got.VATNo, tt.want)
			}
		})
	}
}
