package domain_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/nordledger/ledger/domain"
)

func TestParseCreateCustomerName(t *testing.T) {
	const bad = "\x00bad"
	tests := []struct {
		name string
		in   domain.Field[string]
		want string // stored name, or bad
	}{
		{"payex example", s("Britt-Marie Axelstopp"), "Britt-Marie Axelstopp"},
		{"one character", s("B"), "B"},
		{"72 ASCII characters", s(strings.Repeat("a", 72)), strings.Repeat("a", 72)},
		{"73 ASCII characters", s(strings.Repeat("a", 73)), bad},
		{"72 two-byte characters (144 bytes)", s(strings.Repeat("ö", 72)), strings.Repeat("ö", 72)},
		{"73 two-byte characters", s(strings.Repeat("ö", 73)), bad},
		{"72 four-byte characters", s(strings.Repeat("😀", 72)), strings.Repeat("😀", 72)},
		{"non-ASCII", s("Åsa Öberg-Ærø"), "Åsa Öberg-Ærø"},
		{"surrounding whitespace is trimmed", s("  Britt-Marie Axelstopp \t"), "Britt-Marie Axelstopp"},
		{"72 characters after trimming", s(" " + strings.Repeat("a", 72) + " "), strings.Repeat("a", 72)},
		{"control character", s("Britt\nMarie"), bad},
		{"NUL", s("Britt\x00Marie"), bad},
		{"invalid UTF-8", s("Britt\xffMarie"), bad},
		{"empty", s(""), bad},
		{"blank", s("   "), bad},
		{"absent", domain.Field[string]{}, bad},
		{"null", domain.Null[string](), bad},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, problems := createWith(t, func(in *domain.CustomerInput) { in.Name = tt.in })
			if tt.want == bad {
				if want := []string{domain.PropName}; !slices.Equal(problems, want) {
					t.Fatalf("problems: got %v, want %v", problems, want)
				}
				return
			}
			if problems != nil {
				t.Fatalf("unexpected problems %v", problems)
			}
			if got.Name != tt.want {
				t.Fatalf("got %q, want %q", got.Name, tt.want)
			}
		})
	}
}

func TestParseCreateCustomerTaxIdentificationNumber(t *testing.T) {
	const bad = "\x00bad"
	tests := []struct {
		name string
		in   domain.Field[string]
		want string
	}{
		{"payex example", s("123456789"), "123456789"},
		{"one character", s("1"), "1"},
		{"20 characters", s(strings.Repeat("9", 20)), strings.Repeat("9", 20)},
		{"21 characters", s(strings.Repeat("9", 21)), bad},
		{"20 non-ASCII characters", s(strings.Repeat("Ø", 20)), strings.Repeat("Ø", 20)},
		{"trimmed", s(" 123-45-6789 "), "123-45-6789"},
		{"empty (minimum length 1)", s(""), bad},
		{"blank", s("  "), bad},
		{"control character", s("123\t456"), bad},
		{"absent", domain.Field[string]{}, ""},
		{"null", domain.Null[string](), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, problems := createWith(t, func(in *domain.CustomerInput) { in.TaxIdentificationNumber = tt.in })
			if tt.want == bad {
				if want := []string{domain.PropTaxIdentificationNumber}; !slices.Equal(problems, want) {
					t.Fatalf("problems: got %v, want %v", problems, want)
				}
				return
			}
			if problems != nil {
				t.Fatalf("unexpected problems %v", problems)
			}
			if got.TaxIdentificationNumber != tt.want {
				t.Fatalf("got %q, want %q", got.TaxIdentificationNumber, tt.want)
			}
		})
	}
}
